package pipeline

import (
	"bytes"
	"context"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/notify"
)

// finish ends one attempt: on success or permanent failure it deletes the
// spool object and the progress records, logs the one summary line of the
// final outcome and, on failure, notifies the sender; on a temporary failure
// it logs that the message stays queued.
func (d *Deliverer) finish(ctx context.Context, a *attempt, results []published, err error) error {
	env, log := a.env, a.log
	if err != nil && mailwiki.IsTemporary(err) {
		d.Metrics.RecordRetried()
		log.Warn("delivery deferred", "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err), "error", err.Error(), a.t.attr())
		return err
	}
	ctx = context.WithoutCancel(ctx)
	if derr := d.Spool.Delete(ctx, env.ID); derr != nil {
		log.Error("cannot delete spool object", "error", derr)
		if err == nil {
			// Published, but the content is still on disk: retry so the
			// deletion is attempted again (publishing is idempotent).
			return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "spool delete failed", Temporary: true, Err: derr}
		}
	}
	if derr := d.Store.DeleteDeliveries(ctx, env.ID); derr != nil {
		log.Error("cannot delete delivery records", "error", derr)
	}
	if err != nil {
		d.fail(ctx, a, err)
		return err
	}
	delay := d.Now().Sub(env.Received)
	d.Metrics.RecordPublished(a.t.total(), delay)
	log.Info("delivered", "outcome", "published", "pages", pagesAttr(results), "size", env.Size,
		"delay_ms", delay.Milliseconds(), a.t.attr())
	return nil
}

// fail records a permanent failure and tells the sender why.
func (d *Deliverer) fail(ctx context.Context, a *attempt, err error) {
	d.Metrics.RecordFailed(mailwiki.ErrorCode(err))
	notified := "no"
	if d.Notifier != nil {
		f := notify.Failure{Envelope: a.env, Header: headerBlock(a.raw), Automatic: a.msg != nil && a.msg.Automatic, Reason: err}
		if nerr := d.Notifier.Failed(ctx, f); nerr != nil {
			a.log.Error("cannot notify the sender", "error", nerr)
		} else if a.env.From != "" && !f.Automatic {
			notified = "yes"
		}
	}
	a.log.Error("delivery failed", "outcome", "failed", "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err),
		"from", a.env.From, "size", a.env.Size, "sender_notified", notified, a.t.attr())
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

func pagesAttr(results []published) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		out = append(out, map[string]any{"tenant": r.Route.TenantID, "space": r.Route.SpaceKey, "page_id": r.PageID, "url": r.URL, "fallback": r.Fallback})
	}
	return out
}
