package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/convert"
	"github.com/mailwiki/mailwiki/internal/store"
)

// Confluence is what the pipeline needs of a Confluence client; the real one
// is *confluence.Client.
type Confluence interface {
	SpaceByKey(ctx context.Context, key string) (confluence.Space, error)
	CreatePage(ctx context.Context, in confluence.PageInput) (confluence.Page, error)
	UploadAttachments(ctx context.Context, pageID string, files []confluence.File) ([]confluence.Attachment, error)
	ListAttachments(ctx context.Context, pageID string) ([]confluence.Attachment, error)
}

// ClientFactory returns a Confluence client for a tenant.
type ClientFactory func(ctx context.Context, t mailwiki.Tenant) (Confluence, error)

// maxTitleTries bounds the "title already exists" loop: the title, the
// dated title, counters, then the title with the queue id.
const maxTitleTries = 20

// published is the outcome of one route.
type published struct {
	Route    mailwiki.Route
	PageID   string
	URL      string
	Fallback bool
}

// publishAll publishes draft to every route of env. It stops at the first
// error: routes already published are recorded in the store and are not
// published again on retry.
func (d *Deliverer) publishAll(ctx context.Context, log *slog.Logger, env *mailwiki.Envelope, draft *mailwiki.Draft, fallback func() *mailwiki.Draft) ([]published, error) {
	routes, err := d.routes(ctx, env)
	if err != nil {
		return nil, err
	}
	var out []published
	for _, r := range routes {
		p, err := d.publishRoute(ctx, log, env, r, draft, fallback)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

func routeKey(r mailwiki.Route) string { return r.TenantID + "/" + r.SpaceKey }

// publishRoute publishes to one route; fallback makes the text fallback,
// used when Confluence rejects the converted body.
func (d *Deliverer) publishRoute(ctx context.Context, log *slog.Logger, env *mailwiki.Envelope, r mailwiki.Route, draft *mailwiki.Draft, fallback func() *mailwiki.Draft) (published, error) {
	tenant, err := d.Tenants.Tenant(ctx, r.TenantID)
	if err != nil {
		return published{}, err
	}
	c, err := d.Confluence(ctx, tenant)
	if err != nil {
		return published{}, err
	}
	rec, ok, err := d.Store.Delivery(ctx, env.ID, routeKey(r))
	if err != nil {
		return published{}, err
	}
	if !ok {
		if rec, err = d.createPage(ctx, log, c, env, r, draft, fallback); err != nil {
			return published{}, err
		}
	}
	if rec.Fallback {
		draft = fallback()
	}
	if err := uploadMissing(ctx, c, rec.PageID, draft.Attachments); err != nil {
		return published{}, err
	}
	return published{Route: r, PageID: rec.PageID, URL: rec.PageURL, Fallback: rec.Fallback}, nil
}

// createPage creates the page, trying the dated title and then counters when
// the title is taken, and the text fallback when Confluence rejects the body.
// The page is recorded in the store before any attachment is uploaded.
func (d *Deliverer) createPage(ctx context.Context, log *slog.Logger, c Confluence, env *mailwiki.Envelope, r mailwiki.Route, draft *mailwiki.Draft, fallback func() *mailwiki.Draft) (store.Delivery, error) {
	space, err := d.space(ctx, c, r)
	if err != nil {
		return store.Delivery{}, err
	}
	page, err := d.createWithTitles(ctx, c, space, env, draft)
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		d.spaces.drop(routeKey(r)) // the space went away: look it up again next time
	}
	usedFallback := false
	if isRejectedBody(err) {
		log.Warn("Confluence rejected the converted body, publishing the text fallback", "space", r.SpaceKey, "error_code", mailwiki.ErrorCode(err))
		fb := fallback()
		fb.Title = draft.Title
		page, err = d.createWithTitles(ctx, c, space, env, fb)
		usedFallback = true
	}
	if err != nil {
		return store.Delivery{}, err
	}
	rec := store.Delivery{QueueID: env.ID, Route: routeKey(r), TenantID: r.TenantID, PageID: page.ID, PageURL: page.WebURL, Fallback: usedFallback}
	if err := d.Store.SavePage(ctx, rec); err != nil {
		return store.Delivery{}, err
	}
	return rec, nil
}

// space returns the route's space, from the cache when recently looked up.
func (d *Deliverer) space(ctx context.Context, c Confluence, r mailwiki.Route) (confluence.Space, error) {
	if s, ok := d.spaces.get(routeKey(r), d.Now()); ok {
		return s, nil
	}
	s, err := c.SpaceByKey(ctx, r.SpaceKey)
	if err != nil {
		return confluence.Space{}, err
	}
	d.spaces.put(routeKey(r), s, d.Now())
	return s, nil
}

// createWithTitles creates the page under draft.Title or, while Confluence
// says the title is taken, under the title with the date and time appended,
// then with a counter, and as a last resort with the queue id, which no
// other message has. Counters come from d.titles, so concurrent workers and
// bursts of messages with one subject do not probe the same titles again.
func (d *Deliverer) createWithTitles(ctx context.Context, c Confluence, space confluence.Space, env *mailwiki.Envelope, draft *mailwiki.Draft) (confluence.Page, error) {
	first := 0
	if d.titles.known(titleKey(space, draft.Title, env, d.loc())) {
		first = 2 // this title and its dated form were taken moments ago: go to the counters
	}
	for try := first; ; try++ {
		title := d.titleCandidate(space, draft.Title, env, try)
		page, err := c.CreatePage(ctx, confluence.PageInput{SpaceID: space.ID, SpaceKey: space.Key, Title: title, Storage: draft.Storage})
		if err == nil || !confluence.IsDuplicateTitle(err) || try > maxTitleTries {
			return page, err
		}
	}
}

// titleKey names a dated title in a space, for the counters.
func titleKey(space confluence.Space, base string, env *mailwiki.Envelope, loc *time.Location) string {
	return space.ID + "\x00" + convert.TitleWithSuffix(base, env.Received.In(loc), 0)
}

func (d *Deliverer) titleCandidate(space confluence.Space, base string, env *mailwiki.Envelope, try int) string {
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

// isRejectedBody tells a 400 on the body (not a taken title) apart.
func isRejectedBody(err error) bool {
	var api *confluence.APIError
	return errors.As(err, &api) && api.StatusCode == 400 && !confluence.IsDuplicateTitle(err)
}

// uploadMissing uploads the files the page does not have yet, so a retried
// delivery never posts a file name twice (Confluence refuses that).
func uploadMissing(ctx context.Context, c Confluence, pageID string, files []mailwiki.Attachment) error {
	if len(files) == 0 {
		return nil
	}
	have, err := c.ListAttachments(ctx, pageID)
	if err != nil {
		return err
	}
	present := make(map[string]bool, len(have))
	for _, a := range have {
		present[a.Title] = true
	}
	var todo []confluence.File
	for _, f := range files {
		if !present[f.Filename] {
			todo = append(todo, confluence.File{Name: f.Filename, ContentType: f.ContentType, Data: f.Data})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	_, err = c.UploadAttachments(ctx, pageID, todo)
	return err
}
