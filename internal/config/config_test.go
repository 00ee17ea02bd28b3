package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/config"
)

const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) config.Getenv { return func(k string) string { return m[k] } }

const goodYAML = `
data_dir: /tmp/mw
smtp:
  listen: 127.0.0.1:2525
  domain: mx.example.com
tenants:
  - id: acme
    base_url: https://acme.atlassian.net/wiki
    flavor: cloud
    email: bot@acme.example
    api_token: {file: TOKENFILE}
    addresses:
      - {address: docs@wiki.example.com, space: DOCS}
`

func TestLoadFileEnvAndSecretFiles(t *testing.T) {
	t.Parallel()
	tokenFile := write(t, "token", "s3cret-token\n")
	keyFile := write(t, "key", key+"\n")
	path := write(t, "c.yaml", strings.Replace(goodYAML, "TOKENFILE", tokenFile, 1))
	cfg, err := config.Load(path, env(map[string]string{
		"MAILWIKI_MASTER_KEY_FILE": keyFile,
		"MAILWIKI_SMTP_LISTEN":     "127.0.0.1:2526",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.Listen != "127.0.0.1:2526" {
		t.Errorf("environment did not override the file: %s", cfg.SMTP.Listen)
	}
	if cfg.Tenants[0].APIToken.Value != "s3cret-token" {
		t.Errorf("api_token from file = %q", cfg.Tenants[0].APIToken.Value)
	}
	if got := cfg.MasterKeys()[cfg.Spool.PrimaryKey]; len(got) != 32 {
		t.Errorf("master key = %d bytes", len(got))
	}
	if cfg.SMTP.MaxMessageBytes != 30<<20 {
		t.Errorf("default max message size lost: %d", cfg.SMTP.MaxMessageBytes)
	}
	dump, err := cfg.Dump()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(dump), "s3cret-token") || strings.Contains(string(dump), key) {
		t.Fatalf("dump reveals a secret:\n%s", dump)
	}
	if !strings.Contains(string(dump), "mx.example.com") {
		t.Fatalf("dump misses settings:\n%s", dump)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	path := write(t, "c.yaml", `
data_dir: ""
smtp: {listen: "nope", max_recipients: 0}
log: {level: loud}
retention: {message_max_age: 72h}
tenants:
  - id: Bad_ID
    base_url: http://acme.example/wiki
    flavor: cloud
    addresses: [{address: "not an address", space: "no spaces"}]
`)
	_, err := config.Load(path, env(nil))
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"data_dir is empty", "smtp.listen", "smtp.max_recipients", "log.level", "at most 48h",
		"spool.master_keys is empty", "id \"Bad_ID\"", "HTTPS only", "needs email and api_token", "not a plain email address", "not a Confluence space key"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	t.Parallel()
	path := write(t, "c.yaml", "smtp:\n  lisen: :25\n")
	_, err := config.Load(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Fatalf("misspelled key not reported: %v", err)
	}
}

func TestLoadMissingSecretFile(t *testing.T) {
	t.Parallel()
	path := write(t, "c.yaml", strings.Replace(goodYAML, "TOKENFILE", "/nonexistent/token", 1))
	_, err := config.Load(path, env(map[string]string{"MAILWIKI_MASTER_KEY": key}))
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/token") {
		t.Fatalf("missing secret file not reported: %v", err)
	}
}

func TestLoadBadMasterKey(t *testing.T) {
	t.Parallel()
	path := write(t, "c.yaml", strings.Replace(goodYAML, "{file: TOKENFILE}", "tok", 1))
	_, err := config.Load(path, env(map[string]string{"MAILWIKI_MASTER_KEY": "c2hvcnQ="}))
	if err == nil || !strings.Contains(err.Error(), "exactly 32 bytes") {
		t.Fatalf("short master key not reported: %v", err)
	}
}

// TestLoadSaysWhatToChangeForYAMLMistakes: misspelt keys and values of the
// wrong type are each a sentence naming the line and what to write, listed
// with the other problems; an empty file is the defaults.
func TestLoadSaysWhatToChangeForYAMLMistakes(t *testing.T) {
	t.Parallel()
	path := write(t, "bad.yaml", "smtp:\n  domian: x\n  read_timeout: 5 minutes\nqueue:\n  memory_budget: 1GB\n  workers: 0\n")
	_, err := config.Load(path, env(nil))
	for _, want := range []string{
		`line 2: unknown key "domian" in section smtp`,
		`line 3: "5 minutes" is not a duration; write it as 30s, 5m or 48h`,
		`line 5: "1GB" is not a whole number (sizes are in bytes`,
		`queue.workers = 0: choose between 1 and 1000`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	_, err = config.Load(write(t, "empty.yaml", ""), env(nil))
	if err == nil || strings.Contains(err.Error(), "EOF") {
		t.Errorf("empty file: %v, want only the problems of the defaults", err)
	}
}

// TestLoadChecksTheTLSCertificate: config check reads the certificate and
// key, as serve will, instead of passing a path that does not exist.
func TestLoadChecksTheTLSCertificate(t *testing.T) {
	t.Parallel()
	path := write(t, "tls.yaml", "smtp:\n  tls_cert_file: /nonexistent/tls.crt\n  tls_key_file: /nonexistent/tls.key\n")
	_, err := config.Load(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "smtp.tls_cert_file /nonexistent/tls.crt") {
		t.Fatalf("missing certificate not reported: %v", err)
	}
}

// TestLoadRequireTLSNeedsACertificate: smtp.require_tls without a
// certificate is refused, saying what to set.
func TestLoadRequireTLSNeedsACertificate(t *testing.T) {
	t.Parallel()
	path := write(t, "tls.yaml", "smtp:\n  require_tls: true\n")
	_, err := config.Load(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "smtp.require_tls needs a certificate: set smtp.tls_cert_file and smtp.tls_key_file") {
		t.Fatalf("require_tls without a certificate: %v", err)
	}
}
