package tenant

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Site is what the admin page and its checks read of a tenant's Confluence
// (implemented by the Confluence client).
type Site interface {
	SpaceByKey(ctx context.Context, key string) (mailwiki.Space, error)
	Spaces(ctx context.Context) ([]mailwiki.Space, error)
	Parents(ctx context.Context, spaceKey, query string) ([]mailwiki.Parent, error)
	PageOrFolder(ctx context.Context, id string) (mailwiki.Parent, error)
}

// Hosted serves installed tenants (Connect today, Forge next) beside the
// operator-declared ones. The server keeps only registrations (secrets
// sealed) and keyed hashes; each tenant's configuration is read from its
// own Confluence when a message is processed (promises P1, P9, P10, P11).
// It implements mailwiki.TenantService, mailwiki.TenantAdmin and the
// Connect lifecycle's registry (Install, Uninstall, Secret). Safe for
// concurrent use once built.
type Hosted struct {
	Store   mailwiki.TenantStore
	Sealer  mailwiki.Sealer
	Hash    *Hasher
	Configs mailwiki.ConfigSource
	// Site returns a tenant's Confluence for the admin page's pickers and
	// the checks of SaveConfig.
	Site func(ctx context.Context, t mailwiki.Tenant) (Site, error)
	// Sign wraps base with the tenant's request signing (Connect: a JWT
	// with the shared secret on each request).
	Sign func(r mailwiki.Registration, base http.RoundTripper) http.RoundTripper
	// MailDomains are the operator's mail domains: every address is under
	// one of them.
	MailDomains []string
	// Declared serves the operator's token tenants; nil: none.
	Declared *Static
	// Purge removes the tenant's queued messages (spool objects and jobs)
	// on uninstall, before its rows go; nil: nothing is queued.
	Purge  func(ctx context.Context, tenantID string) error
	Now    func() time.Time
	Logger *slog.Logger
	// Base is the transport under the signing; nil: http.DefaultTransport.
	Base http.RoundTripper
	// Health learns when a Forge installation waits for a token and when
	// it has one again (/readyz, mailwiki_tenant_healthy); may be nil.
	Health mailwiki.TenantHealth

	saves      keyedLocks     // one save of a site's configuration at a time
	dataKeys   dataKeyCache   // opened data keys, asked for every message
	reindexing sync.WaitGroup // restoreHashes running
}

// restoreHashes rebuilds the hashes of a site first heard of (again) from
// the configuration its Confluence still holds: after an installation was
// wiped for silence (Forge) or its records lost, the addresses its
// administrator sees on the admin page route again. A site with no
// configuration (a new install) has nothing to restore.
func (h *Hosted) restoreHashes(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Reindex(ctx, id); err != nil {
		h.Logger.Warn("tenant: the addresses of the site's configuration could not be routed again; saving it on the admin page does", "tenant", id, "error", err)
	}
}

// Wait waits for background work started by Install to end (shutdown).
func (h *Hosted) Wait() { h.reindexing.Wait() }

var (
	_ mailwiki.TenantService = (*Hosted)(nil)
	_ mailwiki.TenantAdmin   = (*Hosted)(nil)
)

// Lookup finds the tenant of an address by its keyed hash (or among the
// declared tenants), without calling any site.
func (h *Hosted) Lookup(ctx context.Context, address string) (string, error) {
	if h.Declared != nil {
		if id, err := h.Declared.Lookup(ctx, address); err == nil {
			return id, nil
		}
	}
	return h.Store.TenantByHash(ctx, mailwiki.HashAddress, h.Hash.All(mailwiki.HashAddress, NormalizeAddress(address)))
}

// Route reads the owning tenant's configuration and returns the address's
// target. An address hashed but no longer configured is ENOTFOUND.
func (h *Hosted) Route(ctx context.Context, address string) (mailwiki.Route, error) {
	if h.Declared != nil {
		if r, err := h.Declared.Route(ctx, address); err == nil {
			return r, nil
		}
	}
	address = NormalizeAddress(address)
	id, err := h.Lookup(ctx, address)
	if err != nil {
		return mailwiki.Route{}, err
	}
	t, err := h.Tenant(ctx, id)
	if err != nil {
		return mailwiki.Route{}, err
	}
	cfg, err := h.Configs.Config(ctx, t)
	if err != nil {
		return mailwiki.Route{}, temporary(err, "the site's mailwiki configuration could not be read")
	}
	a, ok := cfg.Address(address)
	if !ok {
		return mailwiki.Route{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "the address is no longer configured on its Confluence site")
	}
	return mailwiki.Route{Address: address, TenantID: id, SpaceKey: a.SpaceKey, ParentID: a.ParentID, ParentType: a.ParentType,
		ContentType: a.ContentType, TitleFormat: a.TitleFormat}, nil
}

// Tenant returns a declared or installed tenant.
func (h *Hosted) Tenant(ctx context.Context, id string) (mailwiki.Tenant, error) {
	if h.Declared != nil {
		if t, err := h.Declared.Tenant(ctx, id); err == nil {
			return t, nil
		}
	}
	r, err := h.Store.Registration(ctx, id)
	if err != nil {
		return mailwiki.Tenant{}, err
	}
	return r.Tenant, nil
}

// Policy returns the tenant's door settings: a declared tenant's from the
// configuration file, an installed one's from its site's configuration
// (cached like Route's reads). An unreadable configuration is temporary
// for a site with a secure sender list (the door answers 4xx rather than
// guess), and the default settings (everyone, spam refused) otherwise.
func (h *Hosted) Policy(ctx context.Context, id string) (mailwiki.Policy, error) {
	if h.Declared != nil {
		if p, err := h.Declared.Policy(ctx, id); err == nil {
			return p, nil
		}
	}
	t, err := h.Tenant(ctx, id)
	if err != nil {
		return mailwiki.Policy{}, err
	}
	cfg, err := h.Configs.Config(ctx, t)
	if err == nil {
		return cfg.Policy(), nil
	}
	// The site cannot be read (down, or a Forge token lapsed). A site
	// without a secure sender list cannot be secure-only (Validate
	// refuses an empty list): its mail is taken with the default settings
	// and waits in the queue like any other, rather than being deferred.
	if listed, herr := h.Store.HasHash(ctx, id, mailwiki.HashSender, nil); herr == nil && !listed {
		h.Logger.Warn("site configuration unreadable; door settings default (no secure sender list)", "tenant", id, "err", err)
		return mailwiki.TenantConfig{}.Normalized().Policy(), nil
	}
	return mailwiki.Policy{}, temporary(err, "the site's mailwiki configuration could not be read")
}

// IsSecureSender matches the candidate entries of addr (SenderCandidates)
// against the keyed hashes of the tenant's sender list (promise P11).
func (h *Hosted) IsSecureSender(ctx context.Context, id, addr string) (bool, error) {
	if h.Declared != nil {
		if ok, err := h.Declared.IsSecureSender(ctx, id, addr); err == nil {
			return ok, nil
		}
	}
	var sums []mailwiki.KeyedHash
	for _, c := range SenderCandidates(addr) {
		sums = append(sums, h.Hash.All(mailwiki.HashSender, c)...)
	}
	if len(sums) == 0 {
		return false, nil
	}
	return h.Store.HasHash(ctx, id, mailwiki.HashSender, sums)
}

// HTTPClient returns a client signing each request as the tenant's
// installation requires.
func (h *Hosted) HTTPClient(ctx context.Context, t mailwiki.Tenant) (*http.Client, error) {
	if t.Mode == mailwiki.ModeToken && h.Declared != nil {
		return h.Declared.HTTPClient(ctx, t)
	}
	r, err := h.registration(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if !r.SecretExpiresAt.IsZero() && h.Now().Add(tokenMargin).After(r.SecretExpiresAt) {
		if h.Health != nil {
			h.Health.CredentialsRefused(t.ID, ErrWaitingForToken.Message)
		}
		h.Logger.Warn("tenant waits for a token from Forge; its messages stay queued", "tenant", t.ID, "expired", r.SecretExpiresAt)
		return nil, ErrWaitingForToken
	}
	base := h.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{Transport: h.Sign(r, base), Timeout: 5 * time.Minute}, nil
}

// expiresSooner reports whether a token expiring at a would be replaced by
// one expiring at b (zero: never) for the worse.
func expiresSooner(a, b time.Time) bool {
	return !a.IsZero() && (b.IsZero() || a.Before(b))
}

// tokenMargin is how long before its expiry a token is no longer used: a
// delivery started with it must finish its calls.
const tokenMargin = 2 * time.Minute

// ErrWaitingForToken is the temporary error of a Forge installation whose
// app system token has expired: its messages wait in the queue until Forge
// calls again (the hourly scheduled trigger brings a fresh token).
var ErrWaitingForToken = &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Temporary: true,
	Message: "waiting for a token from Forge: the next scheduled trigger or admin page call brings one"}

// registration returns an installed tenant with its secret opened.
func (h *Hosted) registration(ctx context.Context, id string) (mailwiki.Registration, error) {
	s, err := h.Store.Registration(ctx, id)
	if err != nil {
		return mailwiki.Registration{}, err
	}
	secret, err := h.Sealer.Open(s.SealedSecret, []byte(s.ID))
	if err != nil {
		return mailwiki.Registration{}, &mailwiki.Error{Code: mailwiki.ECONFIG, Temporary: true,
			Message: "the tenant's shared secret cannot be opened: is its master key still configured?", Err: err}
	}
	return mailwiki.Registration{Tenant: s.Tenant, AppKey: s.AppKey, CloudID: s.CloudID, Secret: secret,
		SecretExpiresAt: s.SecretExpiresAt, State: s.State, InstalledAt: s.InstalledAt, UpdatedAt: s.UpdatedAt}, nil
}

// Install stores a verified installation, or updates the registration of
// one already known: a reinstalled Connect site (the host signed it; its
// new secret is kept), or a Forge installation calling with its app system
// token (the token that lasts longer is kept; a call without one keeps the
// held token). Hashes and the site's configuration stay.
func (h *Hosted) Install(ctx context.Context, r mailwiki.Registration) error {
	now := h.Now().UTC()
	installed, fresh := now, true
	old, err := h.Store.Registration(ctx, r.ID)
	switch {
	case err == nil:
		installed, fresh = old.InstalledAt, false
		if r.Secret == nil || expiresSooner(r.SecretExpiresAt, old.SecretExpiresAt) {
			// A Forge call without a token, or with an older one
			// than held: keep the one we have.
			if r.Secret, err = h.Sealer.Open(old.SealedSecret, []byte(r.ID)); err != nil {
				return err
			}
			r.SecretExpiresAt = old.SecretExpiresAt
		}
	case mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND:
		return err
	case r.Mode == mailwiki.ModeForge && r.Secret == nil:
		// First heard of without a token: known, but waiting for one.
		r.Secret, r.SecretExpiresAt = []byte{}, now
	}
	sealed, err := h.Sealer.Seal(r.Secret, []byte(r.ID))
	if err != nil {
		return err
	}
	dataKey := old.SealedDataKey
	if fresh {
		if dataKey, err = h.newDataKey(r.ID); err != nil {
			return err
		}
	}
	err = h.Store.SaveRegistration(ctx, mailwiki.StoredRegistration{Tenant: r.Tenant, AppKey: r.AppKey, CloudID: r.CloudID,
		SealedSecret: sealed, SealedDataKey: dataKey, SecretExpiresAt: r.SecretExpiresAt, State: mailwiki.StateInstalled,
		InstalledAt: installed, UpdatedAt: now})
	if err != nil {
		return err
	}
	if fresh {
		h.dataKeys.forget(r.ID)
		h.Logger.Info("tenant installed", "tenant", r.ID, "mode", r.Mode, "base_url", r.BaseURL)
		if len(r.Secret) > 0 {
			h.reindexing.Go(func() { h.restoreHashes(r.ID) })
		}
	}
	if h.Health != nil && !r.SecretExpiresAt.IsZero() && now.Add(tokenMargin).Before(r.SecretExpiresAt) {
		h.Health.CredentialsAccepted(r.ID)
	}
	return nil
}

// Uninstall removes everything held for the tenant (promise P12): first
// its data key, which makes its spooled messages unreadable at once
// (crypto-shredding: copies and backups included), then its queued
// messages, then its registration, hashes, delivery records and title
// claims.
func (h *Hosted) Uninstall(ctx context.Context, id string) error {
	if err := h.shredDataKey(ctx, id); err != nil {
		return fmt.Errorf("tenant: uninstall %s: shred its data key: %w", id, err)
	}
	if h.Purge != nil {
		if err := h.Purge(ctx, id); err != nil {
			return fmt.Errorf("tenant: uninstall %s: purge queued messages: %w", id, err)
		}
	}
	if err := h.Store.DeleteTenant(ctx, id); err != nil {
		return err
	}
	h.Logger.Info("tenant uninstalled; everything held for it deleted", "tenant", id)
	return nil
}

// dataKeyAAD binds a sealed data key to its tenant.
func dataKeyAAD(id string) []byte { return []byte("datakey/" + id) }

// newDataKey returns a fresh random data key for a tenant, sealed.
func (h *Hosted) newDataKey(id string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("tenant: data key: %w", err)
	}
	return h.Sealer.Seal(key, dataKeyAAD(id))
}

// DataKey returns an installed tenant's own data key (32 bytes), which
// wraps the keys of its spooled messages; false for a declared tenant, an
// unknown one, or one whose key was shredded. It is asked for every message
// accepted and read, so answers are kept in memory (this process's: see
// dataKeyCache) until the tenant installs or its key is shredded.
func (h *Hosted) DataKey(ctx context.Context, id string) ([]byte, bool) {
	c := &h.dataKeys
	c.mu.Lock()
	defer c.mu.Unlock()
	if key, ok := c.keys[id]; ok {
		return key, key != nil
	}
	r, err := h.Store.Registration(ctx, id)
	if err != nil && mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		return nil, false // not kept: asked again next time
	}
	var key []byte
	if err == nil && len(r.SealedDataKey) > 0 {
		if key, err = h.Sealer.Open(r.SealedDataKey, dataKeyAAD(id)); err != nil {
			h.Logger.Error("tenant: data key cannot be opened: is its master key still configured?", "tenant", id, "error", err)
			return nil, false
		}
	}
	c.put(id, key)
	return key, key != nil
}

// dataKeyCache holds opened data keys by tenant (nil: the tenant has none).
// Its mutex also orders lookups against shredding, so that no lookup
// brings back a key being shredded. Per process: with several nodes, a key
// shredded on one stays usable on the others until they restart.
type dataKeyCache struct {
	mu   sync.Mutex
	keys map[string][]byte
}

func (c *dataKeyCache) put(id string, key []byte) {
	if c.keys == nil {
		c.keys = map[string][]byte{}
	}
	c.keys[id] = key
}

// forget drops what is known of a tenant's key (it installed).
func (c *dataKeyCache) forget(id string) {
	c.mu.Lock()
	delete(c.keys, id)
	c.mu.Unlock()
}

// shredDataKey forgets the tenant's data key (kept its registration, which
// the rest of the uninstall still reads).
func (h *Hosted) shredDataKey(ctx context.Context, id string) error {
	c := &h.dataKeys
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.keys, id)
	r, err := h.Store.Registration(ctx, id)
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND || err == nil && len(r.SealedDataKey) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	r.SealedDataKey = nil
	return h.Store.SaveRegistration(ctx, r)
}

// Secret returns the shared secret of an installed tenant (ENOTFOUND when
// unknown), to verify the tokens its site signs.
func (h *Hosted) Secret(ctx context.Context, id string) ([]byte, error) {
	r, err := h.registration(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.Secret, nil
}

// temporary marks err temporary with a safe message, keeping its code when
// it has one.
func temporary(err error, msg string) error {
	code := mailwiki.ErrorCode(err)
	if code == mailwiki.EINTERNAL || code == mailwiki.ENOTFOUND || code == mailwiki.EINVALID {
		code = mailwiki.EUNAVAILABLE // never read as "no such address"
	}
	return &mailwiki.Error{Code: code, Message: msg, Temporary: true, Err: err}
}

// WipeInactive uninstalls every Forge installation from which Forge has
// not called since before (UpdatedAt) and whose token has expired: Forge
// sends no event when a site is deleted, and a preUninstall call can fail.
// It returns how many were wiped.
func (h *Hosted) WipeInactive(ctx context.Context, before time.Time) (int, error) {
	regs, err := h.Store.Registrations(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range regs {
		if r.Mode != mailwiki.ModeForge || !r.UpdatedAt.Before(before) || r.SecretExpiresAt.After(h.Now()) {
			continue
		}
		h.Logger.Warn("Forge has not called this installation for the whole grace period: wiping it as uninstalled", "tenant", r.ID, "last_call", r.UpdatedAt)
		if err := h.Uninstall(ctx, r.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
