// Package app wires mailwiki together: it builds every adapter from the
// configuration, starts the listeners and workers, and stops them in order.
// Tests start a Main on 127.0.0.1:0 ports and read the bound addresses back.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/connect"
	"github.com/mailwiki/mailwiki/internal/forge"
	"github.com/mailwiki/mailwiki/internal/job"
	"github.com/mailwiki/mailwiki/internal/metrics"
	"github.com/mailwiki/mailwiki/internal/notify"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/smtpd"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/tenant"
	"github.com/mailwiki/mailwiki/internal/tlscert"
)

// SandboxBaseURL, as a tenant's base_url, stands for the in-process sandbox
// started by Main when SandboxListen is set.
const SandboxBaseURL = "sandbox:"

// Main is one mailwiki process. Set the exported fields, then Run; Close
// stops everything. A Main is not reusable after Close.
type Main struct {
	Config config.Config
	Logger *slog.Logger
	Now    func() time.Time

	// SandboxListen, when set, starts the sandbox Confluence in this process
	// on that address; tenants whose base_url is SandboxBaseURL use it.
	SandboxListen string
	// Sandbox is the sandbox to serve; a new demo site when nil.
	Sandbox *sandbox.Sandbox

	lock  *os.File
	store mailwiki.DeliveryStore
	// tenantStore holds installed sites (same database as store).
	tenantStore mailwiki.TenantStore
	keys        *spool.Keyring
	hosted      *tenant.Hosted   // nil unless connect.enabled
	connect     *connect.Connect // nil unless connect.enabled
	forge       *forge.Forge     // nil unless forge.enabled
	// forgeBridgeScript is the sandbox's stand-in for @forge/bridge, loaded
	// by the admin page in the Forge demo ("" in production).
	forgeBridgeScript string
	sqlDB             *sql.DB // the embedded database under the store and the queue
	closeDB           func() error
	spool             *spool.Spool
	queue             *job.Queue
	smtp              *smtpd.Server
	certs             *tlscert.Reloader // SMTP's certificate; nil without smtp.tls_cert_file
	http              *http.Server
	httpLn            net.Listener
	sandSrv           *http.Server
	sandLn            net.Listener
	metrics           *metrics.Metrics
	health            *tenantHealth
	checks            *checkHealth // nil until the SMTP side is built
	ready             atomic.Bool

	closeOnce sync.Once
	closeErr  error
	// smtpServer is m.smtp for goroutines started before it existed.
	smtpServer atomic.Pointer[smtpd.Server]
	stop       context.CancelFunc
}

// Run builds and starts everything and returns once every listener is bound
// and the workers run. Errors of the serving goroutines are logged.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = stop
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if err := m.startSandbox(); err != nil {
		return err
	}
	if err := m.openStorage(ctx); err != nil {
		return err
	}
	m.metrics = metrics.New(m.queueDepth, m.oldestSpoolAge)
	m.health = newTenantHealth(m.metrics)
	if err := m.listenHTTP(); err != nil {
		return err
	}
	m.resolveConnectURLs(strings.TrimSuffix(m.SandboxURL(), "/wiki"))
	tenants, err := m.buildTenants()
	if err != nil {
		return err
	}
	// River's client lives as long as the context given to Start: give it
	// the process's background context, not the caller's start-up context.
	if err := m.startQueue(bg, tenants); err != nil {
		return err
	}
	if err := m.startSMTP(tenants); err != nil {
		return err
	}
	if err := m.startHTTP(); err != nil {
		return err
	}
	go m.sweep(bg)
	go m.reindexTenants(bg)
	m.ready.Store(true)
	m.Logger.Info("mailwiki started", "smtp", m.SMTPAddr(), "http", m.HTTPAddr(), "sandbox", m.SandboxURL(), "data_dir", m.Config.DataDir)
	return nil
}

func (m *Main) openStorage(ctx context.Context) error {
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("data_dir %s: %w", m.Config.DataDir, err)
	}
	lock, err := lockDataDir(m.Config.DataDir)
	if err != nil {
		return err
	}
	m.lock = lock
	dbPath := m.Config.Database.Path
	if dbPath == "" {
		dbPath = filepath.Join(m.Config.DataDir, "mailwiki.db")
	}
	if err := m.openDatabase(ctx, dbPath); err != nil {
		return err
	}
	keys, err := spool.NewKeyring(m.Config.Spool.PrimaryKey, m.Config.MasterKeys())
	if err != nil {
		return fmt.Errorf("spool keys: %w", err)
	}
	m.keys = keys
	keys = keys.WithResolver(m.tenantKey) // installed tenants' own keys
	dir := m.Config.Spool.Dir
	if dir == "" {
		dir = filepath.Join(m.Config.DataDir, "spool")
	}
	m.spool, err = spool.Open(dir, keys, spool.Options{Logger: m.Logger, Now: m.Now})
	return err
}

func (m *Main) startQueue(ctx context.Context, tenants mailwiki.TenantService) error {
	d := &pipeline.Deliverer{
		Spool:       m.messageStore(),
		Tenants:     tenants,
		Confluence:  m.publisher(tenants),
		Store:       m.store,
		MaxAge:      m.Config.Retention.MessageMaxAge,
		Now:         m.Now,
		Logger:      m.Logger,
		Metrics:     m.metrics,
		Health:      m.health,
		Memory:      pipeline.NewBudget(m.Config.Queue.MemoryBudget),
		SweepMargin: sweepInterval,
	}
	// Without a relay nobody is told; the summary line says
	// "sender_notified":"no" and start-up says why once.
	if m.Config.Notify.Relay != "" {
		d.Notifier = &notify.Notifier{Relay: m.Config.Notify.Relay, From: m.Config.Notify.From,
			Domain: m.Config.SMTP.Domain, Now: m.Now, Logger: m.Logger}
	} else {
		m.Logger.Warn("notify.relay is not set: senders whose mail cannot be published are not told (each failure is logged)")
	}
	q, err := m.newQueue(d, job.Config{
		Workers:      m.Config.Queue.Workers,
		JobTimeout:   m.Config.Queue.JobTimeout,
		MaxBackoff:   m.Config.Queue.MaxBackoff,
		PollInterval: m.Config.Queue.PollInterval,
		Logger:       m.Logger.With("component", "river"),
		Throttle:     m.throttle(),
		Sealer:       m.keys,
	})
	if err != nil {
		return err
	}
	m.queue = q
	n, err := q.RescueOrphans(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		m.Logger.Warn("jobs left running by a previous process are queued again", "count", n)
	}
	if err := m.removeUnqueued(ctx); err != nil {
		return err
	}
	return q.Start(ctx)
}

// throttle makes deliveries yield to the SMTP server during bursts.
func (m *Main) throttle() *job.Throttle {
	q := m.Config.Queue
	if q.BusyConnections == 0 {
		return nil
	}
	return &job.Throttle{
		Busy: func() bool {
			srv := m.smtpServer.Load() // set once the SMTP server exists
			return srv != nil && srv.Connections() >= q.BusyConnections
		},
		Limit:   q.BusyWorkers,
		MaxWait: 30 * time.Second,
	}
}

// listenHTTP binds http.listen early, so that the hosted mode knows its
// own URL before it is built; startHTTP serves it once everything runs.
func (m *Main) listenHTTP() error {
	ln, err := net.Listen("tcp", m.Config.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", m.Config.HTTP.Listen, err)
	}
	m.httpLn = ln
	return nil
}

func (m *Main) startHTTP() error {
	m.http = &http.Server{Handler: m.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
	go m.serveHTTP(m.http, m.httpLn, "http")
	return nil
}

func (m *Main) serveHTTP(srv *http.Server, ln net.Listener, name string) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		m.Logger.Error(name+" server stopped", "error", err)
	}
}

// SMTPAddr is the bound SMTP address ("" before Run).
func (m *Main) SMTPAddr() string {
	if m.smtp == nil || m.smtp.Addr() == nil {
		return ""
	}
	return m.smtp.Addr().String()
}

// HTTPAddr is the bound HTTP address ("" before Run).
func (m *Main) HTTPAddr() string { return addrOf(m.httpLn) }

// SandboxURL is the in-process sandbox's site base URL, ending in /wiki ("" if none).
func (m *Main) SandboxURL() string {
	if m.sandLn == nil {
		return ""
	}
	return "http://" + m.sandLn.Addr().String() + "/wiki"
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// Close drains and stops everything: /readyz turns false, the SMTP server
// stops accepting and lets transactions finish, running jobs finish (or are
// cancelled and retried at the next start), then storage is closed. Calls
// after the first return the first one's result.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	m.ready.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if m.smtp != nil {
		errs = append(errs, m.smtp.Shutdown(ctx))
	}
	if m.certs != nil {
		errs = append(errs, m.certs.Close())
	}
	if m.queue != nil {
		errs = append(errs, m.queue.Stop(ctx))
	}
	if m.stop != nil {
		m.stop()
	}
	if m.forge != nil {
		m.forge.Wait() // uninstalls acknowledged to Forge finish
	}
	if m.hosted != nil {
		m.hosted.Wait() // hashes being restored for a site heard of again
	}
	if m.http == nil && m.httpLn != nil { // bound, never served: Run failed
		m.httpLn.Close()
	}
	for _, srv := range []*http.Server{m.http, m.sandSrv} {
		if srv != nil {
			errs = append(errs, srv.Shutdown(ctx))
		}
	}
	if m.spool != nil {
		errs = append(errs, m.spool.Close())
	}
	if m.closeDB != nil {
		errs = append(errs, m.closeDB())
	}
	if m.lock != nil {
		errs = append(errs, m.lock.Close())
	}
	return errors.Join(errs...)
}
