package pipeline_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// fakeScreen reports a fixed finding (or error) after reading the whole
// message, and remembers what it read.
type fakeScreen struct {
	name    string
	finding mailwiki.Finding
	err     error
	early   bool // stop reading after the first byte
	read    *string
}

func (f fakeScreen) Name() string { return f.name }

func (f fakeScreen) Screen(_ context.Context, _ *mailwiki.Envelope, msg io.Reader) (mailwiki.Finding, error) {
	if f.early {
		msg.Read(make([]byte, 1))
		return f.finding, f.err
	}
	b, err := io.ReadAll(msg)
	if f.read != nil {
		*f.read = string(b)
	}
	if err != nil {
		return mailwiki.Finding{}, err
	}
	return f.finding, f.err
}

type nopQueue struct{ envs []*mailwiki.Envelope }

func (q *nopQueue) Enqueue(_ context.Context, env *mailwiki.Envelope) error {
	q.envs = append(q.envs, env)
	return nil
}

// acceptor returns an Acceptor for two declared tenants: "open" (everyone
// may send, spam refused) and "strict" (only ann@listed.example and
// @team.example, spam marked).
func acceptor(t *testing.T, screens ...mailwiki.Screen) (*pipeline.Acceptor, *spool.Spool, *nopQueue) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	kr, err := spool.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool"), kr, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	tenants := tenant.NewStatic([]tenant.Declared{
		{Tenant: mailwiki.Tenant{ID: "open"}, Routes: []mailwiki.Route{{Address: "docs@open.test", SpaceKey: "D"}}},
		{Tenant: mailwiki.Tenant{ID: "strict"}, Routes: []mailwiki.Route{{Address: "docs@strict.test", SpaceKey: "D"}},
			Senders: mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly, Entries: []string{"ann@listed.example", "@team.example"}},
			Spam:    mailwiki.SpamSettings{Action: mailwiki.SpamMark}},
	}, nil)
	q := &nopQueue{}
	a := &pipeline.Acceptor{Spool: spoolStore{sp}, Queue: q, Tenants: tenants, Now: time.Now, Logger: slog.New(slog.DiscardHandler),
		Screens: screens, Hostname: "mx.test", FailActions: map[string]string{"rspamd": mailwiki.FailAccept, "clamav": mailwiki.FailTempfail}}
	return a, sp, q
}

const cleanMail = "From: Ann <ann@listed.example>\r\nTo: docs@open.test\r\nSubject: Hi\r\n\r\nHello.\r\n"

func auth(from string, ok bool) mailwiki.Finding {
	return mailwiki.Finding{Auth: &mailwiki.SenderAuth{HeaderFrom: from, Authenticated: ok, DMARC: "none",
		Results: "mx.test; dmarc=none header.from=" + from[strings.IndexByte(from, '@')+1:]}}
}

func TestMessageStageVerdicts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		to      string
		screens []mailwiki.Screen
		code    int    // 0: accepted
		reason  string // the refusal's reason
		labels  []string
	}{
		{name: "clean mail is accepted", to: "docs@open.test", screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("x@y.example", false)}}},
		{name: "malware is refused even from a secure sender", to: "docs@strict.test", code: 554, reason: pipeline.ReasonMalware,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("ann@listed.example", true)}, fakeScreen{name: "clamav", finding: mailwiki.Finding{Malware: "Eicar-Test-Signature"}}}},
		{name: "a message clamd could not finish is refused, not called malware", to: "docs@strict.test", code: 554, reason: pipeline.ReasonUnscannable,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("ann@listed.example", true)}, fakeScreen{name: "clamav", finding: mailwiki.Finding{Unscannable: "Heuristics.Limits.Exceeded.MaxFileSize"}}}},
		{name: "spam is refused where the tenant refuses it", to: "docs@open.test", code: 550, reason: pipeline.ReasonSpam,
			screens: []mailwiki.Screen{fakeScreen{name: "rspamd", finding: mailwiki.Finding{Spam: mailwiki.SpamLikely}}}},
		{name: "spam from a secure sender is not judged", to: "docs@strict.test",
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("bob@team.example", true)}, fakeScreen{name: "rspamd", finding: mailwiki.Finding{Spam: mailwiki.SpamLikely}}}},
		{name: "possible spam is marked", to: "docs@open.test", labels: []string{mailwiki.LabelPossibleSpam},
			screens: []mailwiki.Screen{fakeScreen{name: "rspamd", finding: mailwiki.Finding{Spam: mailwiki.SpamPossible}}}},
		{name: "forged From naming a listed sender is refused", to: "docs@strict.test", code: 550, reason: pipeline.ReasonNotSecure,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("ann@listed.example", false)}}},
		{name: "authenticated sender not on the list is refused", to: "docs@strict.test", code: 550, reason: pipeline.ReasonNotSecure,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("eve@other.example", true)}}},
		{name: "listed subdomain entry does not admit the parent", to: "docs@strict.test", code: 550, reason: pipeline.ReasonNotSecure,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: auth("bob@sub.team.example", true)}}},
		{name: "undecided authentication asks to retry", to: "docs@strict.test", code: 451, reason: pipeline.ReasonAuthUndecided,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: mailwiki.Finding{Auth: &mailwiki.SenderAuth{HeaderFrom: "ann@listed.example", Temporary: true}}}}},
		{name: "clamd down tempfails", to: "docs@open.test", code: 451, reason: pipeline.ReasonUnscanned,
			screens: []mailwiki.Screen{fakeScreen{name: "clamav", err: errors.New("connection refused")}}},
		{name: "rspamd down with fail action accept marks the page", to: "docs@open.test", labels: []string{mailwiki.LabelUnscanned},
			screens: []mailwiki.Screen{fakeScreen{name: "rspamd", err: errors.New("connection refused")}}},
		{name: "DMARC p=reject failure is refused", to: "docs@open.test", code: 550, reason: pipeline.ReasonDMARCReject,
			screens: []mailwiki.Screen{fakeScreen{name: "msgauth", finding: mailwiki.Finding{Auth: &mailwiki.SenderAuth{DMARC: "fail", Policy: "reject"}}}}},
		{name: "a screen that stops reading early does not hold up the others", to: "docs@open.test", code: 554, reason: pipeline.ReasonMalware,
			screens: []mailwiki.Screen{fakeScreen{name: "builtin", early: true, finding: mailwiki.Finding{Malware: "EICAR"}}, fakeScreen{name: "msgauth"}}},
		{name: "an incomplete inspection marks the page", to: "docs@open.test", labels: []string{mailwiki.LabelUnscanned},
			screens: []mailwiki.Screen{fakeScreen{name: "builtin", finding: mailwiki.Finding{Incomplete: true, Warning: "an archive nested 4 deep was not opened"}}}},
		{name: "a broken header is refused", to: "docs@open.test", code: 550, reason: pipeline.ReasonBadHeader,
			screens: []mailwiki.Screen{fakeScreen{name: "builtin", finding: mailwiki.Finding{HeaderProblem: "it has two From fields"}}}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, sp, q := acceptor(t, c.screens...)
			var refused []mailwiki.Verdict
			a.Refused = func(_ context.Context, _ *mailwiki.Envelope, v mailwiki.Verdict) { refused = append(refused, v) }
			env := &mailwiki.Envelope{ID: fmt.Sprintf("QSTAGE%02d", i), To: []string{c.to}, RemoteAddr: "192.0.2.7:4000", Helo: "client.example"}
			err := a.Accept(context.Background(), env, strings.NewReader(cleanMail))
			entries, _ := sp.List(context.Background())
			if c.code == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(q.envs) != 1 || len(entries) != 1 {
					t.Fatalf("accepted but %d queued, %d spooled", len(q.envs), len(entries))
				}
				if strings.Join(env.Labels, ",") != strings.Join(c.labels, ",") {
					t.Errorf("labels %v, want %v", env.Labels, c.labels)
				}
				if len(env.Trace) == 0 || !strings.HasPrefix(env.Trace[0], "Received: from client.example ([192.0.2.7]) by mx.test (mailwiki) with ESMTP id ") {
					t.Errorf("trace %q", env.Trace)
				}
				return
			}
			var re *mailwiki.RefusalError
			if !errors.As(err, &re) || re.Verdict.Code != c.code || re.Verdict.Reason != c.reason {
				t.Fatalf("err = %v, want a %d refusal for %s", err, c.code, c.reason)
			}
			if len(q.envs) != 0 || len(entries) != 0 {
				t.Errorf("refused but %d queued, %d left in the spool (promise P3)", len(q.envs), len(entries))
			}
			if len(refused) != 1 || refused[0].Reason != c.reason {
				t.Errorf("refusals recorded: %+v", refused)
			}
		})
	}
}

// TestEveryScreenReadsTheWholeMessage: the message is read back once and
// streamed to every screen whole, including one larger than the copy
// buffer.
func TestEveryScreenReadsTheWholeMessage(t *testing.T) {
	t.Parallel()
	var got1, got2 string
	a, _, _ := acceptor(t, fakeScreen{name: "one", read: &got1}, fakeScreen{name: "two", read: &got2})
	big := cleanMail + strings.Repeat("line of text to make the message larger than one buffer\r\n", 4000)
	env := &mailwiki.Envelope{ID: "QBIG1", To: []string{"docs@open.test"}, RemoteAddr: "192.0.2.7:4000"}
	if err := a.Accept(context.Background(), env, strings.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	if got1 != big || got2 != big {
		t.Fatalf("screens read %d and %d bytes, want %d", len(got1), len(got2), len(big))
	}
}

// TestTenantRateLimit: beyond its rate a tenant's recipients are answered
// with a temporary ERATELIMIT; another tenant is not affected.
func TestTenantRateLimit(t *testing.T) {
	t.Parallel()
	a, _, _ := acceptor(t)
	a.LimitTenants(3)
	for i := range 3 {
		if _, err := a.Recipient(context.Background(), "docs@open.test"); err != nil {
			t.Fatalf("recipient %d: %v", i, err)
		}
	}
	_, err := a.Recipient(context.Background(), "docs@open.test")
	if mailwiki.ErrorCode(err) != mailwiki.ERATELIMIT || !mailwiki.IsTemporary(err) {
		t.Fatalf("4th recipient: %v, want a temporary ERATELIMIT", err)
	}
	if id, err := a.Recipient(context.Background(), "docs@strict.test"); err != nil || id != "strict" {
		t.Fatalf("other tenant: %q, %v", id, err)
	}
}

// TestDeliveryLogsTheDraftsWarnings: what the converter had to guess or
// drop is on the delivery's log line (metadata only: the warnings never
// quote content), so an administrator can see why a page looks as it does.
func TestDeliveryLogsTheDraftsWarnings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw := "From: alice@example.org\r\nTo: docs@x.test\r\nSubject: Latin\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nprice \x80 12, secret-words\r\n"
	env := b.queue(t, "docs@x.test", raw)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, `"msg":"delivered"`) || !strings.Contains(logs, `read as windows-1252 (WHATWG)"]`) {
		t.Fatalf("delivered line lacks the draft's warnings:\n%s", logs)
	}
	if strings.Contains(logs, "secret-words") {
		t.Fatal("content in the log")
	}
}
