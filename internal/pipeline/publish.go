package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert"
)

// maxTitleTries bounds the "title already exists" loop: the title, the
// dated title, counters, then the title with the queue id.
const maxTitleTries = 20

// clockSkew is how far Confluence's clock may be behind ours when a retry
// asks whether the page found under its claimed title is the one it
// created: a page created before the claim (less this) is someone else's.
const clockSkew = time.Minute

// publishAll takes every route not done yet to published or failed, or
// leaves it waiting on a temporary failure. Routes are independent: one
// failing does not stop the others. A failure is recorded at once (the
// sender will be told of it, so a retry must not try that route again); a
// route published is recorded only if the message is kept for another
// attempt (see conclude): a rerun would otherwise find it created and only
// check its files.
func (d *Deliverer) publishAll(ctx context.Context, a *attempt, p *plan) {
	for _, r := range p.routes {
		if r.done() {
			continue
		}
		if r.err == nil {
			r.err = d.publishRoute(ctx, a, r, p.draft)
		}
		d.health(a, r)
		switch {
		case r.err == nil:
			r.rec.State, r.unsaved = mailwiki.RoutePublished, true
		case mailwiki.IsTemporary(r.err):
			p.wait(r.err)
		default:
			r.rec.State, r.rec.ErrorCode, r.rec.Reason = mailwiki.RouteFailed, mailwiki.ErrorCode(r.err), mailwiki.ErrorMessage(r.err)
			if err := d.Store.SaveDelivery(ctx, r.rec); err != nil {
				p.wait(&mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "delivery records unavailable", Temporary: true, Err: err})
			}
		}
	}
	a.t.mark("publish")
}

// saveUnsaved records the routes published in this attempt, before the
// message is kept for another one.
func (d *Deliverer) saveUnsaved(ctx context.Context, a *attempt, p *plan) {
	for _, r := range p.routes {
		if !r.unsaved {
			continue
		}
		if err := d.Store.SaveDelivery(ctx, r.rec); err != nil {
			a.log.Error("cannot record a published route; the next attempt checks its page's files", "error", err)
			continue
		}
		r.unsaved = false
	}
}

// health tells the tenant's health whether its credentials were accepted.
func (d *Deliverer) health(a *attempt, r *routeState) {
	if d.Health == nil {
		return
	}
	switch code := mailwiki.ErrorCode(r.err); {
	case code == mailwiki.EUNAUTHORIZED || code == mailwiki.EFORBIDDEN:
		d.Health.CredentialsRefused(r.route.TenantID, mailwiki.ErrorMessage(r.err))
		a.log.Error("Confluence refused the tenant's credentials: its messages wait until they are fixed",
			"alert", "tenant_credentials_refused", "tenant", r.route.TenantID, "space", r.route.SpaceKey, "error_code", code)
	case r.err == nil:
		d.Health.CredentialsAccepted(r.route.TenantID)
	}
}

// publishRoute creates the route's page (or finds the one an interrupted
// attempt created) and uploads its files. On a first attempt that costs
// the page creation and one upload; the listing of the page's files is
// only for a page made by an earlier attempt.
func (d *Deliverer) publishRoute(ctx context.Context, a *attempt, r *routeState, dr *drafts) error {
	tenant, err := d.Tenants.Tenant(ctx, r.route.TenantID)
	if err != nil {
		return err
	}
	c, err := d.Confluence(ctx, tenant)
	if err != nil {
		return err
	}
	resumed := r.rec.State == mailwiki.RouteCreated
	if !resumed {
		if resumed, err = d.createPage(ctx, a, c, r, dr); err != nil {
			return err
		}
	}
	draft := dr.main
	if r.rec.Fallback {
		draft = dr.fallback()
	}
	err = uploadFiles(ctx, c, r.rec.PageID, draft.Attachments, resumed)
	if err == nil {
		err = addLabels(ctx, a, c, r.rec.PageID)
	}
	if err != nil && !mailwiki.IsTemporary(err) {
		// The page exists: the sender must not read that nothing was
		// published (and send it again).
		return &mailwiki.Error{Code: mailwiki.ErrorCode(err), Err: err,
			Message: fmt.Sprintf("the page %s was created, but Confluence refused its files (%s)", r.rec.PageURL, mailwiki.ErrorMessage(err))}
	}
	return err
}

// createPage creates the page under the first free title, recording each
// title it claims before asking Confluence, and the page once made. It
// reports whether the page was found made by an earlier attempt (its files
// may be partly uploaded).
func (d *Deliverer) createPage(ctx context.Context, a *attempt, c mailwiki.Publisher, r *routeState, dr *drafts) (bool, error) {
	space, err := d.space(ctx, c, r.route)
	if err != nil {
		return false, err
	}
	if r.rec.State == mailwiki.RouteCreating {
		page, ok, err := d.findOwn(ctx, c, space, r.rec, r.route.ContentType == mailwiki.ContentBlogPost)
		if err != nil {
			return false, err
		}
		if ok {
			return true, d.recordPage(ctx, r, page, r.rec.Fallback)
		}
	}
	draft := dr.main
	if r.rec.Fallback {
		draft = dr.fallback()
	}
	title := convert.FormatTitle(r.route.TitleFormat, draft.Title, a.env.Received.In(d.loc()), a.msg)
	page, err := d.createWithTitles(ctx, c, space, a.env, r, title, draft)
	if isRejectedBody(err) && !r.rec.Fallback && !dr.isFallback {
		a.log.Warn("Confluence rejected the converted body, publishing the text fallback", "space", r.route.SpaceKey, "error_code", mailwiki.ErrorCode(err))
		r.rec.Fallback = true
		page, err = d.createWithTitles(ctx, c, space, a.env, r, title, dr.fallback())
	}
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		d.spaces.drop(routeKey(r.route)) // the space went away: look it up again next time
	}
	if err != nil {
		return false, err
	}
	return false, d.recordPage(ctx, r, page, r.rec.Fallback)
}

// findOwn looks up the title an interrupted attempt claimed: if a page has
// it and was created after the claim, it is the page that attempt made.
func (d *Deliverer) findOwn(ctx context.Context, c mailwiki.Publisher, space mailwiki.Space, rec mailwiki.Delivery, blog bool) (mailwiki.Page, bool, error) {
	if rec.Title == "" {
		return mailwiki.Page{}, false, nil
	}
	find := c.FindPageByTitle
	if blog {
		find = c.FindBlogPostByTitle
	}
	page, err := find(ctx, space, rec.Title)
	if err != nil || page == nil || page.CreatedAt.IsZero() || page.CreatedAt.Before(rec.ClaimedAt.Add(-clockSkew)) {
		return mailwiki.Page{}, false, err
	}
	return *page, true, nil
}

func (d *Deliverer) recordPage(ctx context.Context, r *routeState, page mailwiki.Page, fallback bool) error {
	r.rec.State, r.rec.Title, r.rec.PageID, r.rec.PageURL, r.rec.Fallback = mailwiki.RouteCreated, page.Title, page.ID, page.WebURL, fallback
	if err := d.Store.SaveDelivery(ctx, r.rec); err != nil {
		return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "delivery records unavailable", Temporary: true, Err: err}
	}
	return nil
}

// space returns the route's space, from the cache when recently looked up.
func (d *Deliverer) space(ctx context.Context, c mailwiki.Publisher, r mailwiki.Route) (mailwiki.Space, error) {
	if s, ok := d.spaces.get(routeKey(r), d.Now()); ok {
		return s, nil
	}
	s, err := c.SpaceByKey(ctx, r.SpaceKey)
	if err != nil {
		return mailwiki.Space{}, err
	}
	d.spaces.put(routeKey(r), s, d.Now())
	return s, nil
}

// createWithTitles creates the page (or blog post) under base or, while the title
// is taken, under the title with the date and time appended, then with a
// counter, and as a last resort with the queue id, which no other message
// has. Each title is claimed in the store first (a title another of our
// messages holds is skipped without asking Confluence) and recorded as the
// route's intent, so that a retry after a crash finds the page instead of
// making a second one. Counters come from d.titles, so concurrent workers
// and bursts of messages with one subject do not probe the same titles.
func (d *Deliverer) createWithTitles(ctx context.Context, c mailwiki.Publisher, space mailwiki.Space, env *mailwiki.Envelope, r *routeState, base string, draft *mailwiki.Draft) (mailwiki.Page, error) {
	create := c.CreatePage
	if r.route.ContentType == mailwiki.ContentBlogPost {
		create = c.CreateBlogPost
	}
	first := 0
	if d.titles.known(titleKey(space, base, env, d.loc())) {
		first = 2 // this title and its dated form were taken moments ago: go to the counters
	}
	for try := first; ; try++ {
		title := d.titleCandidate(space, base, env, try)
		ok, err := d.claim(ctx, r, title)
		if err != nil {
			return mailwiki.Page{}, err
		}
		if !ok && try <= maxTitleTries {
			continue
		}
		page, err := create(ctx, mailwiki.PageInput{SpaceID: space.ID, SpaceKey: space.Key, Title: title, ParentID: r.route.ParentID, Storage: draft.Storage})
		if err == nil || mailwiki.ErrorCode(err) != mailwiki.ECONFLICT || try > maxTitleTries {
			return page, err
		}
	}
}

// claim reserves title for the message and records it as the route's
// intent; false means another message holds the title.
func (d *Deliverer) claim(ctx context.Context, r *routeState, title string) (bool, error) {
	intent := r.rec
	intent.State, intent.Title, intent.ClaimedAt = mailwiki.RouteCreating, title, d.Now()
	ok, err := d.Store.ClaimTitle(ctx, intent)
	if err != nil {
		return false, &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "delivery records unavailable", Temporary: true, Err: err}
	}
	if ok {
		r.rec = intent
	}
	return ok, nil
}

// titleKey names a dated title in a space, for the counters.
func titleKey(space mailwiki.Space, base string, env *mailwiki.Envelope, loc *time.Location) string {
	return space.ID + "\x00" + convert.TitleWithSuffix(base, env.Received.In(loc), 0)
}

func (d *Deliverer) titleCandidate(space mailwiki.Space, base string, env *mailwiki.Envelope, try int) string {
	when := env.Received.In(d.loc())
	switch {
	case try == 0:
		return base
	case try == 1:
		return convert.TitleWithSuffix(base, when, 0)
	case try < maxTitleTries:
		return convert.TitleWithSuffix(base, when, d.titles.next(titleKey(space, base, env, d.loc())))
	default:
		return convert.TitleWithSuffix(base+" "+env.ID, when, 0)
	}
}

// isRejectedBody tells a body Confluence refused, as invalid (400) or too
// large (413), apart from a taken title: the text fallback (whose text is
// bounded) is tried then.
func isRejectedBody(err error) bool {
	code := mailwiki.ErrorCode(err)
	return code == mailwiki.EINVALID || code == mailwiki.ETOOLARGE
}

// uploadFiles uploads the draft's files. A page made by an earlier attempt
// may have some already (Confluence refuses a name twice): only then are the
// page's files listed and those skipped.
func uploadFiles(ctx context.Context, c mailwiki.Publisher, pageID string, files []mailwiki.Attachment, resumed bool) error {
	if len(files) == 0 {
		return nil
	}
	if resumed {
		have, err := c.AttachmentNames(ctx, pageID)
		if err != nil {
			return err
		}
		present := make(map[string]bool, len(have))
		for _, n := range have {
			present[n] = true
		}
		var todo []mailwiki.Attachment
		for _, f := range files {
			if !present[f.Filename] {
				todo = append(todo, f)
			}
		}
		files = todo
	}
	if len(files) == 0 {
		return nil
	}
	return c.AttachFiles(ctx, pageID, files)
}

// addLabels puts the door's marks (a.env.Labels) on the page. Adding a
// label twice is harmless, so a retried attempt adds them again. A label
// Confluence refuses for good is logged: the page stands without it.
func addLabels(ctx context.Context, a *attempt, c mailwiki.Publisher, pageID string) error {
	if len(a.env.Labels) == 0 {
		return nil
	}
	err := c.AddLabels(ctx, pageID, a.env.Labels)
	if err != nil && !mailwiki.IsTemporary(err) {
		a.log.Warn("Confluence refused the page's labels; the page stands without them", "page_id", pageID, "labels", a.env.Labels, "error_code", mailwiki.ErrorCode(err))
		return nil
	}
	return err
}
