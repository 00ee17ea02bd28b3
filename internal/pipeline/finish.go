package pipeline

import (
	"bytes"
	"context"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Message outcomes, as logged ("outcome") and counted.
const (
	outcomePublished = "published" // every recipient's page exists
	outcomePartial   = "partial"   // some recipients published, some failed
	outcomeFailed    = "failed"    // no recipient published
)

// postpone ends an attempt that must be tried again: the message stays.
// attrs are added to its log line.
func (d *Deliverer) postpone(a *attempt, err error, attrs ...any) error {
	if d.Metrics != nil {
		d.Metrics.RecordRetried()
	}
	a.log.Warn("delivery deferred", append(attrs, "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err), "error", err.Error(), a.t.attr())...)
	if !mailwiki.IsTemporary(err) {
		return &mailwiki.Error{Code: mailwiki.ErrorCode(err), Message: mailwiki.ErrorMessage(err), Temporary: true, Err: err}
	}
	return err
}

// conclude ends the attempt. While a route waits, the message stays and the
// attempt is deferred. Otherwise, in this order: the sender is told which
// recipients failed (if any), the job is finished for good, the message
// and its progress are deleted, and one summary line is logged. A crash
// before the job is finished repeats the notification at worst, never a
// page; a crash after leaves a spool object that start-up deletes.
func (d *Deliverer) conclude(ctx context.Context, a *attempt, p *plan) error {
	ctx = context.WithoutCancel(ctx)
	if p.waiting() {
		return d.keep(ctx, a, p, p.firstWait)
	}
	failed, published := p.failures(), p.published()
	notified := d.notify(ctx, a, failed, published)
	if notified == notifyError && d.Now().Sub(a.env.Received) < d.MaxAge {
		// Keep the message (its routes are recorded) and tell the sender
		// at the next attempt: a relay down for a while loses no notice.
		return d.keep(ctx, a, p, mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "the notification relay is unavailable"))
	}
	if a.finish != nil {
		if err := a.finish(ctx); err != nil {
			return d.keep(ctx, a, p, &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "queue unavailable", Temporary: true, Err: err})
		}
	}
	if err := d.Spool.Delete(ctx, a.env.ID); err != nil {
		a.log.Error("cannot delete spool object; start-up or the retention sweep will", "error", err)
	}
	// The message's delivery records go with the next purge of finished
	// messages (app's sweep), one transaction for many.
	return d.summarize(a, p, failed, published, notified)
}

// keep ends an attempt whose message stays for another one, with the
// routes published so far recorded; the deferred line names each waiting
// route's tenant, space and reason.
func (d *Deliverer) keep(ctx context.Context, a *attempt, p *plan, err error) error {
	d.saveUnsaved(ctx, a, p)
	var waiting []map[string]any
	for _, r := range p.routes {
		if r.err != nil && mailwiki.IsTemporary(r.err) {
			waiting = append(waiting, map[string]any{"tenant": r.route.TenantID, "space": r.route.SpaceKey,
				"error_code": mailwiki.ErrorCode(r.err), "reason": mailwiki.ErrorMessage(r.err)})
		}
	}
	return d.postpone(a, err, "waiting", waiting)
}

// summarize logs the one line of the final outcome and counts it.
func (d *Deliverer) summarize(a *attempt, p *plan, failed []mailwiki.RecipientFailure, published []string, notified string) error {
	took, delay := a.t.total(), d.Now().Sub(a.env.Received)
	outcome := outcomePublished
	switch {
	case len(failed) > 0 && len(published) > 0:
		outcome = outcomePartial
	case len(failed) > 0:
		outcome = outcomeFailed
	}
	attrs := []any{"outcome", outcome, "pages", pagesAttr(p), "size", a.env.Size, "delay_ms", delay.Milliseconds(), a.t.attr()}
	if len(a.warnings) > 0 { // safe text by contract (mailwiki.Draft.Warnings): why the page looks as it does
		attrs = append(attrs, "warnings", a.warnings)
	}
	if len(failed) > 0 {
		attrs = append(attrs, "failed", failedAttr(failed), "from", a.env.From, "sender_notified", notified)
	}
	d.count(outcome, failed, took, delay)
	if outcome == outcomeFailed {
		err := failed[0].Reason
		a.log.Error("delivery failed", append(attrs, "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err))...)
		return err
	}
	a.log.Info("delivered", attrs...)
	return nil
}

func (d *Deliverer) count(outcome string, failed []mailwiki.RecipientFailure, took, delay time.Duration) {
	if d.Metrics == nil {
		return
	}
	for _, f := range failed {
		d.Metrics.RecordRecipientFailed(mailwiki.ErrorCode(f.Reason))
	}
	switch outcome {
	case outcomePublished:
		d.Metrics.RecordPublished(took, delay)
	case outcomePartial:
		d.Metrics.RecordPartial(took, delay)
	default:
		d.Metrics.RecordFailed(mailwiki.ErrorCode(failed[0].Reason))
	}
}

// What the summary line says of the notification ("sender_notified").
const (
	notifyYes   = "yes"
	notifyNo    = "no"
	notifyError = "error"
)

// notify tells the sender about the failed recipients; it returns what the
// summary line says about it.
func (d *Deliverer) notify(ctx context.Context, a *attempt, failed []mailwiki.RecipientFailure, published []string) string {
	if len(failed) == 0 || d.Notifier == nil {
		return notifyNo
	}
	r := mailwiki.Report{Envelope: a.env, Header: headerBlock(a.raw), Automatic: a.msg != nil && a.msg.Automatic, Failed: failed, Published: published}
	if err := d.Notifier.Notify(ctx, r); err != nil {
		a.log.Error("cannot notify the sender", "error", err)
		return notifyError
	}
	if a.env.From == "" || r.Automatic {
		return notifyNo
	}
	return notifyYes
}

// maxHeader bounds the original header quoted in a notification.
const maxHeader = 64 << 10

// headerBlock returns raw's header block, blank line included, or nil.
func headerBlock(raw []byte) []byte {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 && i+len(sep) <= maxHeader {
			return raw[:i+len(sep)]
		}
	}
	return nil
}

func pagesAttr(p *plan) []map[string]any {
	out := []map[string]any{}
	for _, r := range p.routes {
		if r.rec.State == mailwiki.RoutePublished {
			fallback := r.rec.Fallback || (p.draft != nil && p.draft.isFallback)
			out = append(out, map[string]any{"tenant": r.route.TenantID, "space": r.route.SpaceKey, "page_id": r.rec.PageID, "url": r.rec.PageURL, "fallback": fallback})
		}
	}
	return out
}

func failedAttr(failed []mailwiki.RecipientFailure) []map[string]any {
	out := make([]map[string]any, len(failed))
	for i, f := range failed {
		out[i] = map[string]any{"recipient": f.Recipient, "error_code": mailwiki.ErrorCode(f.Reason), "reason": mailwiki.ErrorMessage(f.Reason)}
	}
	return out
}
