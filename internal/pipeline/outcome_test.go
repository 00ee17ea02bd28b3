package pipeline_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse/hostile"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// holdCreate makes page creation in one space fail temporarily while on.
type holdCreate struct {
	mailwiki.Publisher
	space string
	on    *bool
}

func (h holdCreate) CreatePage(ctx context.Context, in mailwiki.PageInput) (mailwiki.Page, error) {
	if *h.on && in.SpaceKey == h.space {
		return mailwiki.Page{}, mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "injected outage")
	}
	return h.Publisher.CreatePage(ctx, in)
}

// TestPartlyPublishedMessage: one route published, the other waiting, then
// failed: one page (the retry does not republish the done route), the
// summary says partial, and the sender's notification names only the
// failed recipient and its reason.
func TestPartlyPublishedMessage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	on := true
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return holdCreate{c, "NOPE", &on} }
	b.sandbox.AddSpace("NOPE", "Soon gone") // exists for the first attempt
	env := b.queue(t, "docs@x.test", mail("Two spaces", "text"))
	env.To = []string{"docs@x.test", "gone@x.test"}
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("first attempt: %v, want temporary (one route waits)", err)
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 1 {
		t.Fatalf("%d pages in DEMO after the first attempt, want 1", n)
	}
	on = false
	b.d.Tenants = movedTenants(t, b) // gone@x.test now routes to a space that does not exist
	if err := b.d.Deliver(context.Background(), env, 2, nil); err != nil {
		t.Fatalf("second attempt: %v, want nil (one recipient published)", err)
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 1 {
		t.Fatalf("%d pages in DEMO after the retry, want 1 (a done route is never republished)", n)
	}
	if b.spoolCount(t) != 0 {
		t.Fatal("message kept after its last route ended")
	}
	if len(b.notices.f) != 1 {
		t.Fatalf("%d notifications, want 1", len(b.notices.f))
	}
	r := b.notices.f[0]
	if len(r.Failed) != 1 || r.Failed[0].Recipient != "gone@x.test" || mailwiki.ErrorCode(r.Failed[0].Reason) != mailwiki.ENOTFOUND {
		t.Fatalf("notification failed = %+v, want only gone@x.test, not_found", r.Failed)
	}
	if !slices.Equal(r.Published, []string{"docs@x.test"}) {
		t.Fatalf("notification published = %v, want [docs@x.test]", r.Published)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, `"outcome":"partial"`) || !strings.Contains(logs, `"recipient":"gone@x.test"`) {
		t.Fatalf("summary line does not say partial with the failed recipient:\n%s", logs)
	}
}

// movedTenants is the test tenant with gone@x.test routed to space GONE,
// which does not exist.
func movedTenants(t *testing.T, b *bundle) mailwiki.TenantService {
	tn, err := b.d.Tenants.Tenant(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	return tenant.NewStatic([]tenant.Declared{{Tenant: tn, Email: "admin@demo.mailwiki.test", APIToken: "demo-token",
		Routes: []mailwiki.Route{{Address: "docs@x.test", SpaceKey: "DEMO"}, {Address: "gone@x.test", SpaceKey: "GONE"}}}}, nil)
}

// health records the tenant health the pipeline reports.
type health struct {
	mu      sync.Mutex
	refused map[string]string
}

func (h *health) CredentialsRefused(id, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refused[id] = reason
}

func (h *health) CredentialsAccepted(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.refused, id)
}

// TestRefusedCredentialsWaitUntilFixed: a 401 holds the message (nothing
// deleted, nobody notified) and marks the tenant unhealthy; once the token
// is valid the message is published and the tenant healthy again.
func TestRefusedCredentialsWaitUntilFixed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := &health{refused: map[string]string{}}
	b.d.Health = h
	srv := httptest.NewServer(b.sandbox)
	t.Cleanup(srv.Close)
	b.d.Tenants = tenant.NewStatic([]tenant.Declared{{
		Tenant: mailwiki.Tenant{ID: "demo", BaseURL: srv.URL + "/wiki", Flavor: mailwiki.FlavorCloud, AllowInsecureHTTP: true},
		Email:  "bot@demo.mailwiki.test", APIToken: "rotated-token",
		Routes: []mailwiki.Route{{Address: "docs@x.test", SpaceKey: "DEMO"}},
	}}, nil)
	env := b.queue(t, "docs@x.test", mail("Token rotated", "text"))
	for n := 1; n <= 3; n++ {
		err := b.d.Deliver(context.Background(), env, n, nil)
		if !mailwiki.IsTemporary(err) || mailwiki.ErrorCode(err) != mailwiki.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v, want a temporary unauthorized", n, err)
		}
	}
	if b.spoolCount(t) != 1 || len(b.notices.f) != 0 {
		t.Fatalf("while refused: %d spool objects, %d notifications; want 1 and 0", b.spoolCount(t), len(b.notices.f))
	}
	if _, ok := h.refused["demo"]; !ok || !strings.Contains(b.logs.String(), `"alert":"tenant_credentials_refused"`) {
		t.Fatalf("tenant not marked unhealthy (%v) or no alert line", h.refused)
	}
	b.sandbox.AddUser("bot@demo.mailwiki.test", "rotated-token") // the administrator fixes the token
	if err := b.d.Deliver(context.Background(), env, 4, nil); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 1 || b.spoolCount(t) != 0 || len(b.notices.f) != 0 {
		t.Fatalf("after the fix: %d pages, %d spool objects, %d notifications; want 1, 0, 0", n, b.spoolCount(t), len(b.notices.f))
	}
	if len(h.refused) != 0 {
		t.Fatalf("tenant still unhealthy: %v", h.refused)
	}
}

// noUploads fails every upload temporarily.
type noUploads struct{ mailwiki.Publisher }

func (noUploads) AttachFiles(context.Context, string, []mailwiki.Attachment) error {
	return mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "injected: uploads refused")
}

// TestExpiredWithPageButNoFilesSaysSo: a page made whose files never got
// attached within 48 hours: the sender is told the page exists but lacks
// its files, not that nothing was published.
func TestExpiredWithPageButNoFilesSaysSo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return noUploads{c} }
	env := b.queue(t, "docs@x.test", withAttachment)
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("first attempt: %v, want temporary", err)
	}
	b.clock.Add(48*time.Hour + time.Second)
	if err := b.d.Deliver(context.Background(), env, 2, nil); mailwiki.ErrorCode(err) != mailwiki.EEXPIRED {
		t.Fatalf("after 48h: %v, want expired", err)
	}
	if len(b.notices.f) != 1 || !strings.Contains(mailwiki.ErrorMessage(b.notices.f[0].Failed[0].Reason), "was created, but its files") {
		t.Fatalf("notification = %+v, want the page named as created without its files", b.notices.f)
	}
	if b.spoolCount(t) != 0 {
		t.Fatal("message kept after 48h")
	}
}

// TestPathologicalShapesArePublishedAsFallback: messages whose structure
// would make parsing explode are published at the first attempt as the
// text fallback with the original attached, not retried for 48 hours.
func TestPathologicalShapesArePublishedAsFallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i, raw := range [][]byte{hostile.NestedMultipart(8000), hostile.SiblingParts(80000), hostile.DataImages(2000)} {
		env := b.queue(t, "docs@x.test", string(raw))
		if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
			t.Fatalf("shape %d: %v", i, err)
		}
		pages := b.sandbox.Pages("DEMO")
		if len(pages) != i+1 {
			t.Fatalf("shape %d: %d pages", i, len(pages))
		}
		atts := b.sandbox.Attachments(pages[i].ID)
		if len(atts) != 1 || atts[0].Filename != "original.eml" || len(atts[0].Data) != len(raw) {
			t.Fatalf("shape %d: attachments %d, want original.eml", i, len(atts))
		}
	}
	if n := strings.Count(b.logs.String(), "publishing the text fallback"); n != 3 {
		t.Fatalf("%d fallback warnings logged, want 3", n)
	}
}

// refusedFiles refuses every upload for good, as a 400 or 413 would.
type refusedFiles struct{ mailwiki.Publisher }

func (refusedFiles) AttachFiles(context.Context, string, []mailwiki.Attachment) error {
	return mailwiki.Errorf(mailwiki.ETOOLARGE, "the content is too large for Confluence")
}

// TestRefusedFilesNameTheCreatedPage: the page exists but Confluence
// refuses its files for good: the sender is told so, with the page's URL,
// not that nothing was published.
func TestRefusedFilesNameTheCreatedPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return refusedFiles{c} }
	env := b.queue(t, "docs@x.test", withAttachment)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err == nil || mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || len(b.notices.f) != 1 {
		t.Fatalf("%d pages, %d notifications; want 1 and 1", len(pages), len(b.notices.f))
	}
	if reason := mailwiki.ErrorMessage(b.notices.f[0].Failed[0].Reason); !strings.Contains(reason, "was created") || !strings.Contains(reason, pages[0].ID) {
		t.Fatalf("reason %q does not name the created page %s", reason, pages[0].ID)
	}
}

// TestBodyTooLargeForConfluencePublishesFallback: a text body over
// Confluence's page size limit (413) is published as the text fallback,
// its text cut with a note and the whole message attached.
func TestBodyTooLargeForConfluencePublishesFallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw := mail("Big log", strings.Repeat("0123456789 abcdefghij klmnopqrst uvwxyz\r\n", 150000)) // 6 MB
	env := b.queue(t, "docs@x.test", raw)
	if err := b.d.Deliver(context.Background(), env, 1, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || pages[0].Title != "Big log" {
		t.Fatalf("pages = %d, want one titled Big log", len(pages))
	}
	atts := b.sandbox.Attachments(pages[0].ID)
	if len(atts) != 1 || atts[0].Filename != "original.eml" || len(atts[0].Data) != len(raw) {
		t.Fatalf("want original.eml with the whole message, got %d files", len(atts))
	}
	if !strings.Contains(b.logs.String(), `"fallback":true`) {
		t.Fatal("summary line does not say the page is the fallback")
	}
}

// flakyNotifier fails its first notification (a relay down for a while).
type flakyNotifier struct {
	notices
	failed bool
}

func (f *flakyNotifier) Notify(ctx context.Context, r mailwiki.Report) error {
	if !f.failed {
		f.failed = true
		return mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "injected: relay down")
	}
	return f.notices.Notify(ctx, r)
}

// TestNotificationRetriedWhileRelayDown: a notification the relay could
// not take keeps the message, and the next attempt sends it.
func TestNotificationRetriedWhileRelayDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fn := &flakyNotifier{}
	b.d.Notifier = fn
	env := b.queue(t, "gone@x.test", mail("Nowhere", "text"))
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("relay down: %v, want temporary", err)
	}
	if b.spoolCount(t) != 1 {
		t.Fatal("message deleted before its sender was told")
	}
	if err := b.d.Deliver(context.Background(), env, 2, nil); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("relay back: %v, want the route's not_found", err)
	}
	if len(fn.f) != 1 || b.spoolCount(t) != 0 {
		t.Fatalf("%d notifications, %d spool objects; want 1 and 0", len(fn.f), b.spoolCount(t))
	}
}

// TestCredentialsAlertNamesTheRefusedTenant: with recipients in two
// tenants, the alert and the deferred line name the tenant whose
// credentials were refused, not the message's first tenant.
func TestCredentialsAlertNamesTheRefusedTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	site, err := b.d.Tenants.Tenant(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	bad := site
	bad.ID = "bad-one"
	b.d.Tenants = tenant.NewStatic([]tenant.Declared{
		{Tenant: site, Email: "admin@demo.mailwiki.test", APIToken: "demo-token", Routes: []mailwiki.Route{{Address: "docs@x.test", SpaceKey: "DEMO"}}},
		{Tenant: bad, Email: "admin@demo.mailwiki.test", APIToken: "wrong", Routes: []mailwiki.Route{{Address: "bad@x.test", SpaceKey: "DEMO"}}},
	}, nil)
	env := b.queue(t, "docs@x.test", mail("Two tenants", "text"))
	env.To = []string{"docs@x.test", "bad@x.test"}
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	for _, line := range strings.Split(b.logs.String(), "\n") {
		if strings.Contains(line, "tenant_credentials_refused") || strings.Contains(line, "delivery deferred") {
			if !strings.Contains(line, `"tenant":"bad-one"`) || strings.Contains(line, `"tenant":"demo"`) {
				t.Errorf("line does not name only the refused tenant: %s", line)
			}
		}
	}
}

// TestSweptBeforeExpiryIsExpired: a message the retention sweep deleted a
// little before MaxAge (it runs one interval early) fails as expired, not as
// "not found".
func TestSweptBeforeExpiryIsExpired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.d.SweepMargin = time.Minute
	env := b.queue(t, "gone@x.test", mail("Swept", "text"))
	b.spool.Delete(context.Background(), env.ID) // the sweep
	b.clock.Add(48*time.Hour - 30*time.Second)
	if err := b.d.Deliver(context.Background(), env, 9, nil); mailwiki.ErrorCode(err) != mailwiki.EEXPIRED {
		t.Fatalf("err = %v, want expired", err)
	}
	if len(b.notices.f) != 1 || mailwiki.ErrorCode(b.notices.f[0].Failed[0].Reason) != mailwiki.EEXPIRED {
		t.Fatalf("notification %+v, want expired", b.notices.f)
	}
}
