package pipeline_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// notices is a fake Notifier that records reports.
type notices struct {
	mu sync.Mutex
	f  []mailwiki.Report
}

func (n *notices) Notify(_ context.Context, f mailwiki.Report) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.f = append(n.f, f)
	return nil
}

// bundle is a Deliverer wired to a real spool, SQLite store and sandbox.
type bundle struct {
	notices *notices
	d       *pipeline.Deliverer
	spool   *spool.Spool
	sandbox *sandbox.Sandbox
	clock   *clock
	logs    *bytes.Buffer
	wrap    func(mailwiki.Publisher) mailwiki.Publisher
	calls   *calls
}

func setup(t *testing.T) *bundle {
	t.Helper()
	dir := t.TempDir()
	key := make([]byte, 32)
	rand.Read(key)
	kr, err := spool.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(filepath.Join(dir, "spool"), kr, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sb.SeedDemo()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	tenants := tenant.NewStatic([]tenant.Declared{{
		Tenant: mailwiki.Tenant{ID: "demo", BaseURL: srv.URL + "/wiki", Flavor: mailwiki.FlavorCloud, AllowInsecureHTTP: true},
		Email:  sandbox.DemoUser, APIToken: sandbox.DemoToken,
		Routes: []mailwiki.Route{{Address: "docs@x.test", SpaceKey: "DEMO"}, {Address: "gone@x.test", SpaceKey: "NOPE"}},
	}}, nil)
	b := &bundle{notices: &notices{}, calls: &calls{}, spool: sp, sandbox: sb, clock: &clock{t: time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	b.d = &pipeline.Deliverer{
		Spool:   spoolStore{sp},
		Tenants: tenants,
		Confluence: func(ctx context.Context, tn mailwiki.Tenant) (mailwiki.Publisher, error) {
			hc, _ := b.d.Tenants.HTTPClient(ctx, tn)
			c, err := confluence.New(tn.BaseURL, hc, confluence.Options{AllowInsecureHTTP: true, Sleep: func(context.Context, time.Duration) error { return nil },
				OnRequest: b.calls.record})
			if err != nil || b.wrap == nil {
				return c, err
			}
			return b.wrap(c), nil
		},
		Store:    db,
		MaxAge:   48 * time.Hour,
		Now:      b.clock.Now,
		Logger:   slog.New(slog.NewJSONHandler(b.logs, nil)),
		Notifier: b.notices,
	}
	return b
}

var seq atomic.Int64

// queue writes raw into the spool and returns its envelope.
func (b *bundle) queue(t *testing.T, to string, raw string) *mailwiki.Envelope {
	t.Helper()
	env := &mailwiki.Envelope{ID: fmt.Sprintf("Q%08dX", seq.Add(1)), From: "alice@example.org", To: []string{to}, TenantID: "demo", Received: b.clock.Now(), Size: int64(len(raw))}
	w, err := b.spool.Create(context.Background(), env.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(raw))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return env
}

func (b *bundle) spoolCount(t *testing.T) int {
	entries, err := b.spool.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func mail(subject, body string) string {
	return "From: Alice <alice@example.org>\r\nTo: docs@x.test\r\nSubject: " + subject + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

const withAttachment = "From: alice@example.org\r\nTo: docs@x.test\r\nSubject: With file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nnotes body\r\n--b--\r\n"

func TestPromiseP5_SpoolDeletedAfterPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	env := b.queue(t, "docs@x.test", mail("Hello", "Some text with https://example.org link"))
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || pages[0].Title != "Hello" || !strings.Contains(pages[0].Storage, `href="https://example.org"`) {
		t.Fatalf("pages = %+v", pages)
	}
	if n := b.spoolCount(t); n != 0 {
		t.Fatalf("spool holds %d object(s) after publishing", n)
	}
	if !strings.Contains(b.logs.String(), `"outcome":"published"`) {
		t.Fatalf("no summary line:\n%s", b.logs)
	}
}

func TestPromiseP5_SpoolDeletedAfterPermanentFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	env := b.queue(t, "gone@x.test", mail("To a missing space", "text")) // space NOPE does not exist
	err := b.d.Deliver(context.Background(), env, 1, nil)
	if err == nil || mailwiki.IsTemporary(err) || mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("err = %v (code %s), want a permanent not_found", err, mailwiki.ErrorCode(err))
	}
	if n := b.spoolCount(t); n != 0 {
		t.Fatalf("spool holds %d object(s) after a permanent failure", n)
	}
	if !strings.Contains(b.logs.String(), `"outcome":"failed"`) {
		t.Fatalf("no failure summary line:\n%s", b.logs)
	}
	if len(b.notices.f) != 1 || b.notices.f[0].Envelope.ID != env.ID || !strings.Contains(string(b.notices.f[0].Header), "Subject: To a missing space") {
		t.Fatalf("sender not notified with the original header: %+v", b.notices.f)
	}
	if strings.Contains(string(b.notices.f[0].Header), "text\r\n") {
		t.Fatal("the notification quotes the body")
	}
}

func TestPromiseP6_NothingDeliveredOrKeptAfter48h(t *testing.T) {
	t.Parallel()
	b := setup(t)
	env := b.queue(t, "docs@x.test", mail("Late", "text"))
	b.sandbox.FailNext(503, 1000, 0)
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("with Confluence down: err = %v, want temporary", err)
	}
	if b.spoolCount(t) != 1 {
		t.Fatal("a temporary failure must keep the message")
	}
	b.sandbox.ClearFaults()
	b.clock.Add(48*time.Hour + time.Second)
	err := b.d.Deliver(context.Background(), env, 2, nil)
	if mailwiki.ErrorCode(err) != mailwiki.EEXPIRED || mailwiki.IsTemporary(err) {
		t.Fatalf("after 48h: err = %v, want permanent expired", err)
	}
	if n := b.spoolCount(t); n != 0 {
		t.Fatalf("spool holds %d object(s) after 48h", n)
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 0 {
		t.Fatalf("%d page(s) published after the retention limit", n)
	}
	if len(b.notices.f) != 1 || mailwiki.ErrorCode(b.notices.f[0].Failed[0].Reason) != mailwiki.EEXPIRED {
		t.Fatalf("sender not told of the expiry: %+v", b.notices.f)
	}
}

func TestTemporaryFailureKeepsMessageThenPublishes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	env := b.queue(t, "docs@x.test", mail("Retry me", "text"))
	b.sandbox.FailNext(503, 1000, 0)
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	b.sandbox.ClearFaults()
	if err := b.d.Deliver(context.Background(), env, 2, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 1 {
		t.Fatalf("%d pages, want 1", n)
	}
}

// flakyUpload fails the first attachment upload after the page was created.
type flakyUpload struct {
	mailwiki.Publisher
	mu     sync.Mutex
	failed bool
}

func (f *flakyUpload) AttachFiles(ctx context.Context, pageID string, files []mailwiki.Attachment) error {
	f.mu.Lock()
	fail := !f.failed
	f.failed = true
	f.mu.Unlock()
	if fail {
		return mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "injected upload failure")
	}
	return f.Publisher.AttachFiles(ctx, pageID, files)
}

func TestRetryAfterPartialPublishMakesNoDuplicate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var fu *flakyUpload
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher {
		if fu == nil {
			fu = &flakyUpload{Publisher: c}
		} else {
			fu.Publisher = c
		}
		return fu
	}
	env := b.queue(t, "docs@x.test", withAttachment)
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("first attempt: err = %v, want temporary", err)
	}
	if err := b.d.Deliver(context.Background(), env, 2, nil); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 {
		t.Fatalf("%d pages after a retried delivery, want 1", len(pages))
	}
	atts := b.sandbox.Attachments(pages[0].ID)
	if len(atts) != 1 || atts[0].Filename != "notes.txt" || !bytes.Equal(bytes.TrimSpace(atts[0].Data), []byte("notes body")) {
		t.Fatalf("attachments = %+v", atts)
	}
}

func TestTakenTitleGetsDateThenCounter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 0; i < 3; i++ {
		env := b.queue(t, "docs@x.test", mail("Weekly notes", fmt.Sprintf("week %d", i)))
		if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	titles := map[string]bool{}
	for _, p := range pages {
		titles[p.Title] = true
	}
	if !titles["Weekly notes"] || len(titles) != 3 {
		t.Fatalf("titles = %v", titles)
	}
	if !strings.Contains(pages[1].Title, "2026-11-26 14:05") {
		t.Errorf("second title %q lacks the date and time", pages[1].Title)
	}
}

// corruptBody makes Confluence reject the converted body (not the fallback).
type corruptBody struct{ mailwiki.Publisher }

func (c corruptBody) CreatePage(ctx context.Context, in mailwiki.PageInput) (mailwiki.Page, error) {
	if !strings.Contains(in.Storage, "original.eml") {
		in.Storage += "<p>unclosed"
	}
	return c.Publisher.CreatePage(ctx, in)
}

func TestRejectedBodyPublishesTextFallbackWithOriginal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return corruptBody{c} }
	raw := mail("Odd body", "the text survives")
	env := b.queue(t, "docs@x.test", raw)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || !strings.Contains(pages[0].Storage, "the text survives") {
		t.Fatalf("pages = %+v", pages)
	}
	atts := b.sandbox.Attachments(pages[0].ID)
	if len(atts) != 1 || atts[0].Filename != "original.eml" || !bytes.Equal(atts[0].Data, []byte(raw)) {
		t.Fatalf("want original.eml with the raw message, got %+v", atts)
	}
	if strings.Contains(b.logs.String(), "the text survives") {
		t.Fatal("message content reached the log")
	}
}

func TestUnparseableMessagePublishedAsFallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw := "not an email at all, a line without a colon\r\n\r\nbut its text must not be lost"
	env := b.queue(t, "docs@x.test", raw)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	found := false
	for _, a := range b.sandbox.Attachments(pages[0].ID) {
		found = found || (a.Filename == "original.eml" && bytes.Equal(a.Data, []byte(raw)))
	}
	if !found {
		t.Fatal("original.eml missing or altered")
	}
}

func TestMissingSpoolObjectEndsDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	env := &mailwiki.Envelope{ID: "QMISSING00X", To: []string{"docs@x.test"}, TenantID: "demo", Received: b.clock.Now()}
	err := b.d.Deliver(context.Background(), env, 1, nil)
	if err == nil || mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	var me *mailwiki.Error
	if !errors.As(err, &me) {
		t.Fatalf("err is not a *mailwiki.Error: %v", err)
	}
}

// TestManyMessagesWithOneTitleAreAllPublished: a burst of mails without a
// subject (one dated title per minute) must all become pages.
func TestManyMessagesWithOneTitleAreAllPublished(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 40 // twice maxTitleTries
	for i := 0; i < n; i++ {
		env := b.queue(t, "docs@x.test", "From: bench@example.org\r\nTo: docs@x.test\r\n\r\nbody\r\n")
		if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if got := len(b.sandbox.Pages("DEMO")); got != n {
		t.Fatalf("%d pages, want %d", got, n)
	}
}

func TestAutomaticMessageFailureIsMarkedAutomatic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw := "From: MAILER-DAEMON@example.org\r\nTo: gone@x.test\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nI am away.\r\n"
	env := b.queue(t, "gone@x.test", raw)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err == nil {
		t.Fatal("delivery to a missing space succeeded")
	}
	if len(b.notices.f) != 1 || !b.notices.f[0].Automatic {
		t.Fatalf("failure of an auto-reply not marked automatic (the notifier must not answer it): %+v", b.notices.f)
	}
}

// TestDataCenterTenantPublishesThroughV1: a Data Center tenant (personal
// access token, REST v1 only) gets the same page and attachments.
func TestDataCenterTenantPublishesThroughV1(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sandbox.AddPersonalAccessToken("pat-dc")
	inner := b.d.Confluence
	b.d.Confluence = func(ctx context.Context, tn mailwiki.Tenant) (mailwiki.Publisher, error) {
		if _, err := inner(ctx, tn); err != nil { // the same site, reached as Data Center
			return nil, err
		}
		hc := &http.Client{Transport: tenant.BearerAuth("pat-dc", nil)}
		return confluence.New(tn.BaseURL, hc, confluence.Options{AllowInsecureHTTP: true, Flavor: confluence.DataCenter})
	}
	env := b.queue(t, "docs@x.test", withAttachment)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || pages[0].Title != "With file" {
		t.Fatalf("pages = %+v", pages)
	}
	if atts := b.sandbox.Attachments(pages[0].ID); len(atts) != 1 || atts[0].Filename != "notes.txt" {
		t.Fatalf("attachments = %+v", atts)
	}
}

// countingSpaces counts space look-ups.
type countingSpaces struct {
	mailwiki.Publisher
	n *atomic.Int64
}

func (c countingSpaces) SpaceByKey(ctx context.Context, key string) (mailwiki.Space, error) {
	c.n.Add(1)
	return c.Publisher.SpaceByKey(ctx, key)
}

func TestSpaceLookedUpOncePerTTL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var n atomic.Int64
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return countingSpaces{c, &n} }
	for i := 0; i < 3; i++ {
		env := b.queue(t, "docs@x.test", mail(fmt.Sprintf("Note %d", i), "text"))
		if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("space looked up %d times for 3 messages, want 1", n.Load())
	}
	b.clock.Add(11 * time.Minute)
	env := b.queue(t, "docs@x.test", mail("Later", "text"))
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("space not looked up again after its TTL: %d look-ups", n.Load())
	}
}
