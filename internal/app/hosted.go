package app

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/connect"
	"github.com/mailwiki/mailwiki/internal/forge"
	"github.com/mailwiki/mailwiki/internal/tenant"
	"github.com/mailwiki/mailwiki/internal/web"
)

// The hosted mode (connect.enabled): sites install mailwiki, their
// administrators configure it inside Confluence, and the server keeps only
// registrations and keyed hashes.

// buildTenants returns the tenant service: the operator's token tenants
// and, with connect enabled, the installed sites beside them.
func (m *Main) buildTenants() (mailwiki.TenantService, error) {
	declared := tenant.NewStatic(declaredTenants(m.Config.Tenants), nil)
	if !m.Config.Connect.Enabled && !m.Config.Forge.Enabled {
		return declared, nil
	}
	c, hc := m.Config.Connect, m.Config.Hosted
	hasher, err := tenant.NewHasher(hc.PrimaryHashKey, m.Config.HashKeys())
	if err != nil {
		return nil, fmt.Errorf("hosted.hash_keys: %w", err)
	}
	h := &tenant.Hosted{Store: m.tenantStore, Sealer: m.keys, Hash: hasher, MailDomains: hc.MailDomains, Declared: declared,
		Purge: m.purgeTenant, Now: m.Now, Logger: m.Logger.With("component", "tenants"), Health: m.health,
		Sign: func(r mailwiki.Registration, base http.RoundTripper) http.RoundTripper {
			if r.Mode == mailwiki.ModeForge { // the app system token, to apiBaseUrl
				return tenant.BearerAuth(string(r.Secret), base)
			}
			return connect.Transport(r.AppKey, r.Secret, r.BaseURL, base, m.Now)
		},
	}
	client := func(ctx context.Context, t mailwiki.Tenant) (*confluence.Client, error) {
		hc, err := h.HTTPClient(ctx, t)
		if err != nil {
			return nil, err
		}
		return confluence.New(t.BaseURL, hc, confluence.Options{AllowInsecureHTTP: t.AllowInsecureHTTP, Flavor: confluence.Cloud,
			Logger: m.Logger, OnRequest: m.metrics.RecordConfluenceRequest})
	}
	h.Configs = &confluence.ConfigStore{AppKey: c.AppKey, Client: client, TTL: hc.ConfigCacheTTL, Now: m.Now, Logger: m.Logger}
	h.Site = func(ctx context.Context, t mailwiki.Tenant) (tenant.Site, error) { return client(ctx, t) }
	m.hosted = h
	if err := m.buildConnect(); err != nil {
		return nil, err
	}
	return h, m.buildForge()
}

// buildConnect builds the Connect side when connect.enabled.
func (m *Main) buildConnect() error {
	c := m.Config.Connect
	if !c.Enabled {
		return nil
	}
	app, err := connect.New(connect.Options{AppKey: c.AppKey, Name: "mailwiki", BaseURL: c.BaseURL, KeyBaseURL: c.KeyBaseURL,
		Registry: m.hosted, Logger: m.Logger.With("component", "connect"), Now: m.Now, AdminPageURL: "/admin/",
		AllowInsecureHTTP: c.AllowInsecureHTTP})
	m.connect = app
	return err
}

// buildForge builds the Forge Remote side when forge.enabled.
func (m *Main) buildForge() error {
	f := m.Config.Forge
	if !f.Enabled {
		return nil
	}
	app, err := forge.New(forge.Options{AppID: f.AppID, JWKSURL: f.JWKSURL, Environments: f.Environments, APIHosts: f.APIHosts,
		AllowInsecureHTTP: f.AllowInsecureHTTP, Registry: m.hosted, Logger: m.Logger.With("component", "forge"), Now: m.Now})
	m.forge = app
	return err
}

// authenticateAdmin verifies the admin page's caller: a Connect context
// JWT ("JWT …") or a Forge invocation token ("Bearer …").
func (m *Main) authenticateAdmin(r *http.Request) (string, error) {
	auth := r.Header.Get("Authorization")
	switch {
	case m.connect != nil && len(auth) > 4 && strings.EqualFold(auth[:4], "jwt "):
		return m.connect.Authenticate(r)
	case m.forge != nil && len(auth) > 7 && strings.EqualFold(auth[:7], "bearer "):
		return m.forge.Authenticate(r)
	}
	return "", mailwiki.Errorf(mailwiki.EUNAUTHORIZED, "the request is not signed by Confluence: reload the page")
}

// httpHandler is the HTTP side: health and metrics, and in hosted mode the
// Connect descriptor and lifecycle callbacks, the Forge endpoints, and the
// admin page with its API.
func (m *Main) httpHandler() http.Handler {
	ops := web.Handler(m.ready.Load, m.degraded, m.metrics.Registry)
	if m.hosted == nil {
		return ops
	}
	mux := http.NewServeMux()
	mux.Handle("/", ops)
	if m.connect != nil {
		lifecycle := m.connect.Handler()
		mux.Handle(connect.DescriptorPath, lifecycle)
		mux.Handle("/connect/", lifecycle)
	}
	if m.forge != nil {
		mux.Handle("/forge/", m.forge.Handler())
	}
	mux.Handle("/admin/", web.Admin(web.AdminOptions{Service: m.hosted, Authenticate: m.authenticateAdmin,
		HostScriptURL: m.Config.Connect.HostScriptURL, ForgeBridgeScriptURL: m.forgeBridgeScript,
		Logger: m.Logger.With("component", "admin")}))
	for _, p := range []string{"/forge", "/admin", "/connect"} { // no redirect to the subtree
		mux.Handle(p, http.HandlerFunc(noSuchPath))
	}
	return noRedirects(mux)
}

// noRedirects answers 404 for a path that is not in its clean form
// ("//forge/tick", "/admin/../x") instead of letting the router redirect:
// Forge takes any 3xx from a remote as an error, and Atlassian's callbacks
// are never redirected.
func noRedirects(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if clean != p {
			noSuchPath(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func noSuchPath(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"error":"there is no such path on this server"}` + "\n"))
}

// purgeTenant removes, at uninstall, the queued messages whose every
// recipient belongs to the tenant: their jobs are cancelled, their spool
// objects and delivery records deleted (promise P12), and the rows River
// keeps of the tenant's finished jobs go too. A message that also goes to
// another site stays; its recipients here then fail as no longer routed.
// A job running at that moment is told to stop; once it has, cleanUpAfter
// deletes its row and anything it wrote meanwhile.
func (m *Main) purgeTenant(ctx context.Context, id string) error {
	queued, err := m.queue.Queued(ctx)
	if err != nil {
		return err
	}
	var cancelled []int64
	for _, q := range queued {
		if !m.onlyFor(ctx, q.Envelope, id) {
			continue
		}
		if err := m.queue.Cancel(ctx, q.JobID); err != nil {
			return err
		}
		if err := m.spool.Delete(ctx, q.Envelope.ID); err != nil && mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
			return err
		}
		if err := m.store.DeleteDeliveries(ctx, q.Envelope.ID); err != nil {
			return err
		}
		cancelled = append(cancelled, q.JobID)
	}
	if len(cancelled) > 0 {
		m.Logger.Info("uninstall: queued messages deleted", "tenant", id, "count", len(cancelled))
		go m.cleanUpAfter(context.WithoutCancel(ctx), id, cancelled)
	}
	return m.purgeFinishedJobs(ctx, id)
}

// cleanUpAfter waits (up to queue.job_timeout) for cancelled jobs that
// were running to stop, then deletes their rows and, again, everything the
// store holds for the uninstalled tenant (an attempt may have written a
// delivery record meanwhile).
func (m *Main) cleanUpAfter(ctx context.Context, tenantID string, jobs []int64) {
	deadline := m.Now().Add(m.Config.Queue.JobTimeout)
	for _, id := range jobs {
		for {
			running, err := m.queue.Running(ctx, id)
			if err != nil || !running || m.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := m.queue.Delete(ctx, id); err != nil {
			m.Logger.Warn("uninstall: a cancelled job's row stays until River's retention", "job_id", id, "error", err)
		}
	}
	if err := m.tenantStore.DeleteTenant(ctx, tenantID); err != nil {
		m.Logger.Error("uninstall: second pass failed", "tenant", tenantID, "error", err)
	}
}

// onlyFor reports whether every recipient of env belongs to tenant id.
func (m *Main) onlyFor(ctx context.Context, env mailwiki.Envelope, id string) bool {
	for _, rcpt := range env.To {
		owner, err := m.hosted.Lookup(ctx, rcpt)
		switch {
		case err == nil && owner == id:
		case mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND && env.TenantID == id: // removed from the site already
		default:
			return false
		}
	}
	return len(env.To) > 0
}

// reindexTenants rewrites, in the background at start, the hashes of sites
// still hashed under an old hash key (the second step of a rotation).
func (m *Main) reindexTenants(ctx context.Context) {
	if m.hosted == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	n, err := m.hosted.ReindexStale(ctx)
	if err != nil {
		m.Logger.Error("rehash of installed sites failed; retried at next start", "error", err)
	} else if n > 0 {
		m.Logger.Info("installed sites rehashed under the primary hash key", "count", n)
	}
}

// purgeFinishedJobs deletes the rows River keeps of the tenant's finished
// jobs (sealed envelopes and attempt errors, kept for diagnosis), now.
func (m *Main) purgeFinishedJobs(ctx context.Context, id string) error {
	done, err := m.queue.Finished(ctx)
	if err != nil {
		return err
	}
	for _, q := range done {
		if m.onlyFor(ctx, q.Envelope, id) {
			if err := m.queue.Delete(ctx, q.JobID); err != nil {
				return err
			}
		}
	}
	return nil
}
