package pipeline

import (
	"context"
	"log/slog"

	"github.com/mailwiki/mailwiki"
)

// finish ends one attempt: on success or permanent failure it deletes the
// spool object and the progress records, and logs the one summary line of the
// final outcome; on a temporary failure it logs that the message stays queued.
func (d *Deliverer) finish(ctx context.Context, log *slog.Logger, env *mailwiki.Envelope, results []published, t *timings, err error) error {
	if err != nil && mailwiki.IsTemporary(err) {
		d.Metrics.RecordRetried()
		log.Warn("delivery deferred", "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err), "error", err.Error(), t.attr())
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
		d.Metrics.RecordFailed(mailwiki.ErrorCode(err))
		log.Error("delivery failed", "outcome", "failed", "error_code", mailwiki.ErrorCode(err), "reason", mailwiki.ErrorMessage(err),
			"from", env.From, "size", env.Size, t.attr())
		return err
	}
	delay := d.Now().Sub(env.Received)
	d.Metrics.RecordPublished(t.total(), delay)
	log.Info("delivered", "outcome", "published", "pages", pagesAttr(results), "size", env.Size,
		"delay_ms", delay.Milliseconds(), t.attr())
	return nil
}

func pagesAttr(results []published) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		out = append(out, map[string]any{"tenant": r.Route.TenantID, "space": r.Route.SpaceKey, "page_id": r.PageID, "url": r.URL, "fallback": r.Fallback})
	}
	return out
}
