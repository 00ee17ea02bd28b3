package pipeline

import (
	"context"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
)

// plan is what one attempt publishes: the message's routes, each with the
// recipients it serves and its outcome so far, and the recipients that no
// longer route anywhere.
type plan struct {
	routes    []*routeState
	unrouted  []mailwiki.RecipientFailure
	draft     *drafts // nil when no route needs publishing
	firstWait error   // the first temporary failure of this attempt
}

// routeState is one route's progress within an attempt.
type routeState struct {
	route      mailwiki.Route
	recipients []string
	rec        mailwiki.Delivery // as recorded; State "" when never tried
	err        error             // this attempt's failure: temporary (waiting) or permanent
	unsaved    bool              // rec says published, the store does not yet
}

// routeKey names a route in the delivery records: "tenant/SPACE", then
// "/blog" for blog posts or "/PARENTID" under a parent. Two addresses of a
// message with the same key publish once.
func routeKey(r mailwiki.Route) string {
	k := r.TenantID + "/" + r.SpaceKey
	switch {
	case r.ContentType == mailwiki.ContentBlogPost:
		k += "/blog"
	case r.ParentID != "":
		k += "/" + r.ParentID
	}
	return k
}

// done reports whether the route needs nothing more.
func (r *routeState) done() bool {
	return r.rec.State == mailwiki.RoutePublished || r.rec.State == mailwiki.RouteFailed
}

// routes groups the envelope's recipients by route, with each route's
// recorded progress. A recipient whose address was removed since the
// message was accepted is failed on its own.
func (d *Deliverer) routes(ctx context.Context, a *attempt) (*plan, error) {
	p := &plan{}
	byKey := map[string]*routeState{}
	for _, rcpt := range a.env.To {
		r, err := d.Tenants.Route(ctx, strings.ToLower(rcpt))
		if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
			p.unrouted = append(p.unrouted, mailwiki.RecipientFailure{Recipient: rcpt,
				Reason: mailwiki.Errorf(mailwiki.ENOTFOUND, "the address no longer routes to a Confluence space")})
			continue
		}
		if err != nil {
			return nil, err
		}
		key := routeKey(r)
		if rs := byKey[key]; rs != nil {
			rs.recipients = append(rs.recipients, rcpt)
			continue
		}
		rec := a.progress[key]
		if rec.State == "" {
			rec = mailwiki.Delivery{QueueID: a.env.ID, Route: key, TenantID: r.TenantID}
		}
		byKey[key] = &routeState{route: r, recipients: []string{rcpt}, rec: rec}
		p.routes = append(p.routes, byKey[key])
	}
	return p, nil
}

// pending reports whether a route still needs publishing.
func (p *plan) pending() bool {
	for _, r := range p.routes {
		if !r.done() {
			return true
		}
	}
	return false
}

// failPending fails every route not done with err (permanent).
func (p *plan) failPending(err error) {
	for _, r := range p.routes {
		if !r.done() {
			r.err = err
		}
	}
}

// expire fails every route not done because the message outlived maxAge.
// A route whose page exists but lacks files says so: the sender must not
// read that nothing was published.
func (p *plan) expire(maxAge time.Duration) {
	for _, r := range p.routes {
		switch {
		case r.done():
		case r.rec.State == mailwiki.RouteCreated:
			r.err = mailwiki.Errorf(mailwiki.EEXPIRED, "the page %s was created, but its files could not be attached within %s", r.rec.PageURL, maxAge)
		default:
			r.err = mailwiki.Errorf(mailwiki.EEXPIRED, "message not delivered within %s", maxAge)
		}
	}
}

// waiting reports whether a route failed temporarily in this attempt.
func (p *plan) waiting() bool { return p.firstWait != nil }

// wait notes a temporary failure of this attempt.
func (p *plan) wait(err error) {
	if p.firstWait == nil {
		p.firstWait = err
	}
}

// failures lists every recipient not published, with its reason.
func (p *plan) failures() []mailwiki.RecipientFailure {
	out := append([]mailwiki.RecipientFailure(nil), p.unrouted...)
	for _, r := range p.routes {
		if r.rec.State != mailwiki.RouteFailed {
			continue
		}
		reason := r.err
		if reason == nil { // failed in an earlier attempt
			reason = mailwiki.Errorf(r.rec.ErrorCode, "%s", r.rec.Reason)
		}
		for _, rcpt := range r.recipients {
			out = append(out, mailwiki.RecipientFailure{Recipient: rcpt, Reason: reason})
		}
	}
	return out
}

// published lists the recipients whose pages exist.
func (p *plan) published() []string {
	var out []string
	for _, r := range p.routes {
		if r.rec.State == mailwiki.RoutePublished {
			out = append(out, r.recipients...)
		}
	}
	return out
}
