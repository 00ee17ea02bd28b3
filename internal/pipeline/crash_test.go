package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// lostAnswer creates the page but loses Confluence's answer once: the
// request timed out, or the process died before reading it.
type lostAnswer struct {
	mailwiki.Publisher
	lost *bool
}

func (l lostAnswer) CreatePage(ctx context.Context, in mailwiki.PageInput) (mailwiki.Page, error) {
	p, err := l.Publisher.CreatePage(ctx, in)
	if err == nil && !*l.lost {
		*l.lost = true
		return mailwiki.Page{}, mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "injected: answer lost")
	}
	return p, err
}

func TestCreatedPageWhoseAnswerWasLostIsFoundNotDuplicated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lost := false
	b.wrap = func(c mailwiki.Publisher) mailwiki.Publisher { return lostAnswer{c, &lost} }
	env := b.queue(t, "docs@x.test", withAttachment)
	if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
		t.Fatalf("first attempt: %v, want temporary", err)
	}
	if err := b.d.Deliver(context.Background(), env, 2, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 1 || pages[0].Title != "With file" {
		t.Fatalf("pages = %+v, want one titled With file", pages)
	}
	if atts := b.sandbox.Attachments(pages[0].ID); len(atts) != 1 {
		t.Fatalf("attachments = %+v", atts)
	}
}

// fullDisk fails recording a created page, once per message: the page
// exists in Confluence but its id could not be written down.
type fullDisk struct {
	mailwiki.DeliveryStore
	mu     sync.Mutex
	failed map[string]bool
}

func (f *fullDisk) SaveDelivery(ctx context.Context, d mailwiki.Delivery) error {
	f.mu.Lock()
	fail := d.State == mailwiki.RouteCreated && !f.failed[d.QueueID]
	f.failed[d.QueueID] = f.failed[d.QueueID] || fail
	f.mu.Unlock()
	if fail {
		return errors.New("injected: database or disk is full")
	}
	return f.DeliveryStore.SaveDelivery(ctx, d)
}

func TestDiskFullBetweenPageAndRecordMakesOnePage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.d.Store = &fullDisk{DeliveryStore: b.d.Store, failed: map[string]bool{}}
	var envs []*mailwiki.Envelope
	for i := range 3 {
		envs = append(envs, b.queue(t, "docs@x.test", mail("Same subject", fmt.Sprintf("mail %d", i))))
	}
	for _, env := range envs {
		if err := b.d.Deliver(context.Background(), env, 1, nil); !mailwiki.IsTemporary(err) {
			t.Fatalf("first attempt: %v, want temporary", err)
		}
	}
	for _, env := range envs {
		if err := b.d.Deliver(context.Background(), env, 2, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.sandbox.Pages("DEMO")); n != 3 {
		t.Fatalf("%d pages for 3 mails, want 3", n)
	}
}

// TestClaimedTitleIsNotAdoptedByAnother: a message that claimed a title and
// died before creating the page keeps the title; another message with the
// same subject takes the next title; neither adopts the other's page.
func TestClaimedTitleIsNotAdoptedByAnother(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	a := b.queue(t, "docs@x.test", mail("Shared", "from A"))
	if ok, err := b.d.Store.ClaimTitle(ctx, mailwiki.Delivery{QueueID: a.ID, Route: "demo/DEMO", TenantID: "demo",
		State: mailwiki.RouteCreating, Title: "Shared", ClaimedAt: b.clock.Now()}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	other := b.queue(t, "docs@x.test", mail("Shared", "from B"))
	for _, env := range []*mailwiki.Envelope{other, a} {
		if err := b.d.Deliver(ctx, env, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	byTitle := map[string]string{}
	for _, p := range b.sandbox.Pages("DEMO") {
		byTitle[p.Title] = p.Storage
	}
	if len(byTitle) != 2 || !strings.Contains(byTitle["Shared"], "from A") {
		t.Fatalf("pages = %v, want Shared from A and a dated Shared from B", byTitle)
	}
}

// TestPageTakenBeforeTheClaimIsNotAdopted: after a crash, the page found
// under the claimed title was made before the claim (by someone else): the
// message gets its own page.
func TestPageTakenBeforeTheClaimIsNotAdopted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first := b.queue(t, "docs@x.test", mail("Minutes", "someone else's"))
	if err := b.d.Deliver(ctx, first, 1, nil); err != nil {
		t.Fatal(err)
	}
	b.clock.t = time.Now().Add(10 * time.Minute) // our claim comes well after that page
	env := b.queue(t, "docs@x.test", mail("Minutes", "ours"))
	b.d.Store.ClaimTitle(ctx, mailwiki.Delivery{QueueID: env.ID, Route: "demo/DEMO", TenantID: "demo",
		State: mailwiki.RouteCreating, Title: "Minutes", ClaimedAt: b.clock.Now()})
	if err := b.d.Deliver(ctx, env, 2, nil); err != nil {
		t.Fatal(err)
	}
	pages := b.sandbox.Pages("DEMO")
	if len(pages) != 2 || !strings.Contains(pages[1].Storage, "ours") {
		t.Fatalf("pages = %+v, want a second page with our text", pages)
	}
}

const withImageAndPDF = "From: alice@example.org\r\nTo: docs@x.test\r\nSubject: Report\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
	"--r\r\nContent-Type: text/html\r\n\r\n<p>Chart:</p><img src=\"cid:chart@x\">\r\n" +
	"--r\r\nContent-Type: image/png\r\nContent-ID: <chart@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n--r--\r\n" +
	"--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n\r\n%PDF-1.4 tiny\r\n--m--\r\n"

// TestFirstAttemptCostsTwoCalls: with the space id cached, a plain mail is
// one Confluence call (create) and a mail with an inline image and a PDF
// two (create, one upload): no listing of a page just created.
func TestFirstAttemptCostsTwoCalls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.d.Deliver(ctx, b.queue(t, "docs@x.test", mail("Warm up", "caches the space id")), 1, nil); err != nil {
		t.Fatal(err)
	}
	b.calls.take()
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{mail("Plain", "text"), []string{"create_page 200"}},
		{withImageAndPDF, []string{"create_page 200", "upload_attachments 200"}},
	} {
		if err := b.d.Deliver(ctx, b.queue(t, "docs@x.test", tc.raw), 1, nil); err != nil {
			t.Fatal(err)
		}
		if got := b.calls.take(); !slices.Equal(got, tc.want) {
			t.Errorf("calls = %v, want %v", got, tc.want)
		}
	}
	pages := b.sandbox.Pages("DEMO")
	if atts := b.sandbox.Attachments(pages[len(pages)-1].ID); len(atts) != 2 {
		t.Fatalf("report page has %d files, want the image and the PDF", len(atts))
	}
}
