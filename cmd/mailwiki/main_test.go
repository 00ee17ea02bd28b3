package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/mailparse/hostile"
)

// bin is the mailwiki binary built once for the tests of this package.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailwiki-cmd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "mailwiki")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the binary and returns stdout, stderr and the exit status.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	default:
		t.Fatal(err)
		return "", "", -1
	}
}

const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestConfigCheckAndDump(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(`data_dir: `+dir+`
smtp: {listen: "127.0.0.1:2525", domain: wiki.example.com}
tenants:
  - id: acme
    base_url: https://acme.atlassian.net/wiki
    flavor: cloud
    email: bot@acme.example
    api_token: very-secret-token
    addresses: [{address: docs@wiki.example.com, space: DOCS}]
`), 0o600)
	env := []string{"MAILWIKI_MASTER_KEY=" + key}
	if out, errOut, code := run(t, env, "config", "check", "--config", good); code != 0 || !strings.Contains(out, "configuration OK") {
		t.Fatalf("check of a good file: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code := run(t, env, "config", "dump", "--config", good)
	if code != 0 || !strings.Contains(out, "wiki.example.com") || strings.Contains(out, "very-secret-token") || strings.Contains(out, key) {
		t.Fatalf("dump: exit %d, secrets must be redacted:\n%s", code, out)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("smtp: {listen: nope}\nlog: {level: loud}\n"), 0o600)
	_, errOut, code := run(t, nil, "config", "check", "--config", bad)
	if code != 2 {
		t.Fatalf("check of a bad file: exit %d, want 2", code)
	}
	for _, want := range []string{"smtp.listen", "log.level", "spool.master_keys", "tenants is empty"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error does not mention %s:\n%s", want, errOut)
		}
	}
}

func TestInspectPrintsWhatWouldBePublished(t *testing.T) {
	t.Parallel()
	eml := filepath.Join(t.TempDir(), "m.eml")
	os.WriteFile(eml, []byte("From: Alice <alice@example.org>\r\nTo: docs@wiki.example.com\r\nSubject: Minutes\r\nMessage-ID: <m1@example.org>\r\nIn-Reply-To: <m0@example.org>\r\nReferences: <m-1@example.org> <m0@example.org>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nWe met at https://example.org.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=minutes.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"), 0o600)
	out, errOut, code := run(t, nil, "inspect", eml)
	if code != 0 {
		t.Fatalf("inspect: exit %d\n%s", code, errOut)
	}
	var r struct {
		Subject     string   `json:"subject"`
		From        string   `json:"from"`
		MessageID   string   `json:"message_id"`
		InReplyTo   string   `json:"in_reply_to"`
		References  []string `json:"references"`
		Automatic   bool     `json:"automatic"`
		Text        string   `json:"text"`
		Storage     string   `json:"storage"`
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
			Size        int    `json:"size"`
			Inline      bool   `json:"inline"`
		} `json:"attachments"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Subject != "Minutes" || r.MessageID != "m1@example.org" || r.InReplyTo != "m0@example.org" || len(r.References) != 2 || !r.Automatic {
		t.Errorf("headers: %+v", r)
	}
	if !strings.Contains(r.Text, "We met") || !strings.Contains(r.Storage, `href="https://example.org"`) || !strings.Contains(r.Storage, `ri:filename="minutes.pdf"`) {
		t.Errorf("text/storage: %q / %q", r.Text, r.Storage)
	}
	if len(r.Attachments) != 1 || r.Attachments[0].Filename != "minutes.pdf" || r.Attachments[0].Size == 0 {
		t.Errorf("attachments: %+v", r.Attachments)
	}
	for _, key := range []string{`"subject"`, `"from"`, `"message_id"`, `"in_reply_to"`, `"references"`, `"automatic"`, `"text"`, `"attachments"`, `"content_type"`, `"inline"`, `"storage"`, `"warnings"`} {
		if !strings.Contains(out, key) {
			t.Errorf("inspect output lacks the field %s", key)
		}
	}
}

// inspectJSON runs inspect on raw (with extra environment) and decodes its
// report.
func inspectJSON(t *testing.T, raw []byte, env ...string) inspectReport {
	t.Helper()
	eml := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(eml, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "inspect", eml)
	if code != 0 {
		t.Fatalf("inspect: exit %d\n%s", code, errOut)
	}
	var r inspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%.500s", err, out)
	}
	return r
}

// inspectReport is the part of inspect's output these tests read.
type inspectReport struct {
	Title          string   `json:"title"`
	Fallback       bool     `json:"fallback"`
	FallbackReason string   `json:"fallback_reason"`
	Warnings       []string `json:"warnings"`
	Attachments    []struct {
		Filename string `json:"filename"`
		Size     int    `json:"size"`
	} `json:"attachments"`
}

// TestInspectPathologicalMessage: a message over a parsing limit is shown
// as the text fallback delivery would publish, with the limit named, at
// once (8,000 nested parts took 34 s before the limits).
func TestInspectPathologicalMessage(t *testing.T) {
	t.Parallel()
	raw := hostile.NestedMultipart(8000)
	r := inspectJSON(t, raw)
	if !r.Fallback || r.FallbackReason != "parse: too_large" {
		t.Errorf("fallback %v %q, want the parse limit fallback", r.Fallback, r.FallbackReason)
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "multipart nesting deeper than 50 levels") {
		t.Errorf("warnings %q, want the limit named first", r.Warnings)
	}
	if len(r.Attachments) != 1 || r.Attachments[0].Filename != "original.eml" || r.Attachments[0].Size != len(raw) {
		t.Errorf("attachments %+v, want original.eml", r.Attachments)
	}
}

// TestInspectDatesInUTC: inspect dates titles as delivery does (UTC by
// default), not in the local time zone.
func TestInspectDatesInUTC(t *testing.T) {
	t.Parallel()
	before := time.Now().UTC().Truncate(time.Minute)
	r := inspectJSON(t, []byte(" not an email\r\n"), "TZ=Asia/Kolkata")
	after := time.Now().UTC()
	when, err := time.Parse("Email received on 2006-01-02 15:04", r.Title)
	if err != nil || when.Before(before) || when.After(after) {
		t.Errorf("title %q, want the UTC time between %s and %s", r.Title, before, after)
	}
}

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	if out, _, code := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "mailwiki ") {
		t.Errorf("version: exit %d %q", code, out)
	}
	if _, errOut, code := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d %q", code, errOut)
	}
}
