package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/smtpd"
)

func demo(ctx context.Context, args []string) error {
	fs := newFlags("demo")
	dataDir := fs.String("data-dir", "./mailwiki-demo", "where the demo keeps its database, spool and key")
	smtpAddr := fs.String("smtp-addr", "127.0.0.1:2525", "SMTP listen address (STARTTLS offered, self-signed certificate)")
	smtpsAddr := fs.String("smtps-addr", "", "also listen for SMTP over implicit TLS (RFC 8314) at this address, e.g. 127.0.0.1:4650; off when empty")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP listen address (health, metrics)")
	sandboxAddr := fs.String("sandbox-addr", "127.0.0.1:8090", "sandbox Confluence listen address")
	sandboxURL := fs.String("sandbox-url", "", "use an already running sandbox at this base URL (e.g. http://127.0.0.1:8090/wiki) instead of starting one")
	noSample := fs.Bool("no-sample", false, "do not send the sample message at start")
	hosted := fs.Bool("connect", false, "install mailwiki into the sandbox as an Atlassian Connect app (the hosted mode) and configure it there")
	rspamdURL := fs.String("rspamd-url", app.DemoRspamdURL, "rspamd's HTTP address; used when it answers, else the built-in spam check (GTUBE only)")
	clamdAddr := fs.String("clamd-addr", app.DemoClamdAddr, "clamd's address (host:port or unix:///path); used when it answers, else the built-in malware check (EICAR only)")
	forgeApp := fs.Bool("forge", false, "install mailwiki into the sandbox as a Forge app (Forge Remote: the sandbox plays Forge) and configure it there")
	benchLimitsOff := fs.Bool("bench-limits-off", false, "for benchmarks on loopback only: no per-IP connection or message rate, the per-IP and per-network connection caps raised to smtp.max_connections, no per-site recipient rate")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := app.DemoConfig(*dataDir, *smtpAddr, *httpAddr)
	if err != nil {
		return err
	}
	if *benchLimitsOff {
		liftPerClientLimits(&cfg.SMTP)
		cfg.Checks.TenantRate = -1
		fmt.Fprintln(os.Stderr, "smtp: per-client and per-site limits off (--bench-limits-off), for benchmarks only")
	}
	clientTLS, err := app.DemoTLS(&cfg, *smtpsAddr, time.Now())
	if err != nil {
		return err
	}
	for _, line := range app.DemoScanners(ctx, &cfg, *rspamdURL, *clamdAddr) {
		fmt.Fprintln(os.Stderr, "checks: "+line)
	}
	if *hosted && *forgeApp {
		return fmt.Errorf("choose --connect or --forge, not both")
	}
	if *hosted {
		if err := app.DemoConnectConfig(&cfg); err != nil {
			return err
		}
	}
	if *forgeApp {
		if err := app.DemoForgeConfig(&cfg); err != nil {
			return err
		}
	}
	m := &app.Main{Config: cfg, Logger: logger("info"), SandboxListen: *sandboxAddr}
	kept, closeSandbox, err := demoSandbox(m, *sandboxURL, *dataDir)
	if err != nil {
		return err
	}
	defer closeSandbox() // after m.Close: the sandbox is no longer served
	if err := m.Run(ctx); err != nil {
		return err
	}
	site := m.SandboxURL()
	if site == "" {
		site = *sandboxURL
	}
	adminURL := ""
	if *hosted {
		if adminURL, err = m.InstallDemoApp(ctx, site); err != nil {
			m.Close()
			return err
		}
	}
	if *forgeApp {
		var id string
		if id, adminURL, err = m.InstallDemoForge(ctx, site, ""); err != nil {
			m.Close()
			return err
		}
		go hourlyTicks(ctx, m, site, id)
	}
	printNextSteps(m.SMTPAddr(), site, adminURL, tlsNotes(m, cfg.SMTP.TLSCertFile))
	if kept > 0 {
		where := filepath.Join(*dataDir, app.DemoSandboxFile)
		if *sandboxURL != "" {
			where = *sandboxURL
		}
		fmt.Fprintf(os.Stderr, "The sandbox (%s) already has pages in %s; the sample message is sent to an empty space only.\n",
			where, sandbox.DemoSpaceKey)
	} else if !*noSample {
		sendSample(ctx, m.SMTPAddr(), clientTLS)
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "stopping…")
	return m.Close()
}

// liftPerClientLimits turns off the SMTP server's per-client abuse limits
// for a load generator on one address (bench/accept.sh, bench/door.sh):
// connection and message rates unlimited, and one IP address or network
// may hold every connection. The global cap stays.
func liftPerClientLimits(s *config.SMTP) {
	s.MaxConnectionRatePerIP = smtpd.Off
	s.MaxMessageRatePerIP = smtpd.Off
	s.MaxConnectionsPerIP = s.MaxConnections
	s.MaxConnectionsPerNetwork = s.MaxConnections
}

// hourlyTicks plays Forge's hourly scheduled trigger for the demo's
// installation, which keeps mailwiki's app system token fresh.
func hourlyTicks(ctx context.Context, m *app.Main, site, id string) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.TickDemoForge(ctx, site, id); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}
	}
}

// demoSandbox points m at the demo's sandbox: the one at url when set,
// otherwise one served in-process whose content is kept in dataDir across
// restarts. It returns how many pages of space DEMO the in-process sandbox
// kept from earlier runs, and a function closing it, to call after m.Close.
func demoSandbox(m *app.Main, url, dataDir string) (int, func() error, error) {
	if url != "" {
		m.SandboxListen = ""
		for i := range m.Config.Tenants {
			m.Config.Tenants[i].BaseURL = url
		}
		app.UseSandboxAt(&m.Config, url)
		n, err := remotePages(url)
		return n, func() error { return nil }, err
	}
	sb, err := app.OpenDemoSandbox(dataDir, m.Logger)
	if err != nil {
		return 0, nil, err
	}
	m.Sandbox = sb
	return len(sb.Pages(sandbox.DemoSpaceKey)), sb.Close, nil
}

// remotePages asks the sandbox at url whether space DEMO has pages (0 or
// 1: enough to decide on the sample), so that a demo started again against
// it does not send the sample twice, and a wrong URL is said at once.
func remotePages(url string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/rest/api/content?type=page&limit=1&spaceKey="+sandbox.DemoSpaceKey, nil)
	if err != nil {
		return 0, fmt.Errorf("--sandbox-url %s: %w", url, err)
	}
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("--sandbox-url %s does not answer (start it with `mailwiki sandbox`, or leave the flag out): %w", url, err)
	}
	defer resp.Body.Close()
	var page struct {
		Size int `json:"size"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&page) != nil {
		return 0, fmt.Errorf("--sandbox-url %s: GET %s answered %s; give the sandbox's base URL, ending in /wiki", url, req.URL.Path, resp.Status)
	}
	return page.Size, nil
}

// sendSample sends the sample message over STARTTLS, reporting a failure
// without stopping the demo.
func sendSample(ctx context.Context, smtpAddr string, clientTLS *tls.Config) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := app.SendSample(sctx, smtpAddr, clientTLS, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "the sample message could not be sent:", err)
	}
}

// tlsNotes tells how the demo offers TLS: STARTTLS with the self-signed
// certificate in certFile, the implicit-TLS listener when there is one, and
// a swaks line that checks the certificate.
func tlsNotes(m *app.Main, certFile string) string {
	host, port := splitAddr(m.SMTPAddr())
	if abs, err := filepath.Abs(certFile); err == nil {
		certFile = abs
	}
	notes := "STARTTLS is offered on " + m.SMTPAddr() + " with a self-signed certificate (trust it to verify):\n  " + certFile + "\n"
	if addr := m.SMTPImplicitTLSAddr(); addr != "" {
		notes += "SMTP over implicit TLS (SMTPS) listens on " + addr + " with the same certificate.\n"
	}
	return notes + fmt.Sprintf(`Send over STARTTLS, checking the certificate:
  swaks --server %s --port %s --tls --tls-verify --tls-ca-path %s --to %s --from you@example.org --header "Subject: Sent over TLS"
`, host, port, certFile, app.DemoAddress)
}

func printNextSteps(smtpAddr, site, adminURL, tlsNotes string) {
	host, port := splitAddr(smtpAddr)
	hosted := ""
	if adminURL != "" {
		hosted = "\nmailwiki is installed into the sandbox as an app (the hosted mode); the site's\nadministrator adds addresses, targets and secure senders at\n  " + adminURL + "\n"
	}
	fmt.Fprintf(os.Stderr, `
mailwiki demo is running.

  SMTP        %[1]s   (mail to %[3]s becomes a page in space %[4]s)
  Confluence  %[2]s/   (sandbox; API user %[5]s, token %[6]s)

Send a mail with swaks:
  swaks --server %[7]s --port %[8]s --to %[3]s --from you@example.org --header "Subject: My first page" --body "Hello, wiki"

or with Python:
  python3 -c "import smtplib; from email.message import EmailMessage as M; m=M(); m['From']='you@example.org'; m['To']='%[3]s'; m['Subject']='Hello from Python'; m.set_content('It works.'); smtplib.SMTP('%[7]s', %[8]s).send_message(m)"

Pages appear at %[2]s/  (spaces and pages, rendered)
Read them through the API:
  curl -u %[5]s:%[6]s '%[2]s/rest/api/content?spaceKey=%[4]s&expand=body.storage'

%[10]s%[9]s
Stop with Ctrl-C.
`, smtpAddr, site, app.DemoAddress, sandbox.DemoSpaceKey, sandbox.DemoUser, sandbox.DemoToken, host, port, hosted, tlsNotes)
}

func splitAddr(addr string) (string, string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, "25"
	}
	return host, port
}
