package tenant

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/mailwiki/mailwiki"
)

// Config returns an installed tenant's configuration, read from its site.
func (h *Hosted) Config(ctx context.Context, tenantID string) (mailwiki.TenantConfig, []string, error) {
	t, err := h.installed(ctx, tenantID)
	if err != nil {
		return mailwiki.TenantConfig{}, nil, err
	}
	cfg, err := h.Configs.Config(ctx, t)
	if err != nil {
		return mailwiki.TenantConfig{}, nil, temporary(err, "the configuration could not be read from Confluence")
	}
	return cfg, h.MailDomains, nil
}

// SaveConfig validates cfg against the rules, the operator's mail domains
// and the site (spaces and parents exist, each parent in its address's
// space), reporting every problem at once; claims its addresses' hashes
// (refusing, with nothing changed, an address another site or the
// operator owns); writes it to the site; then replaces the sender hashes.
// If the site refuses the write, the previous address hashes are put back.
// Saves of one site are serialised, so that its hashes always match the
// configuration last written.
func (h *Hosted) SaveConfig(ctx context.Context, tenantID string, cfg mailwiki.TenantConfig) (mailwiki.TenantConfig, error) {
	t, err := h.installed(ctx, tenantID)
	if err != nil {
		return cfg, err
	}
	unlock := h.saves.lock(tenantID)
	defer unlock()
	cfg.Normalize()
	var v mailwiki.ValidationError
	if err := cfg.Validate(h.MailDomains); err != nil {
		v = *err.(*mailwiki.ValidationError)
	}
	if err := h.checkSite(ctx, t, &cfg, &v); err != nil {
		return cfg, err
	}
	if len(v.Fields) > 0 {
		return cfg, v.AsError()
	}
	old, err := h.Configs.Config(ctx, t)
	if err != nil {
		return cfg, temporary(err, "the current configuration could not be read from Confluence; nothing was saved")
	}
	if err := h.claimAddresses(ctx, tenantID, cfg); err != nil {
		return cfg, err
	}
	if err := h.Configs.SaveConfig(ctx, t, cfg); err != nil {
		if rerr := h.Store.ReplaceHashes(ctx, tenantID, mailwiki.HashAddress, h.addressHashes(old)); rerr != nil {
			h.Logger.Error("tenant: restoring address hashes after a failed save", "tenant", tenantID, "error", rerr)
		}
		return cfg, temporary(err, "Confluence did not store the configuration; nothing was saved, try again")
	}
	if err := h.Store.ReplaceHashes(ctx, tenantID, mailwiki.HashSender, h.senderHashes(cfg)); err != nil {
		return cfg, err
	}
	h.Logger.Info("tenant configuration saved", "tenant", tenantID, "addresses", len(cfg.Addresses), "sender_entries", len(cfg.Senders.Entries))
	return cfg, nil
}

// keyedLocks serialises work per key (a site's saves).
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// lock takes key's lock and returns its release.
func (k *keyedLocks) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*sync.Mutex{}
	}
	l := k.locks[key]
	if l == nil {
		l = &sync.Mutex{}
		k.locks[key] = l
	}
	k.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// claimAddresses replaces the tenant's address hashes with cfg's, turning
// a conflict into a field error on the address concerned.
func (h *Hosted) claimAddresses(ctx context.Context, tenantID string, cfg mailwiki.TenantConfig) error {
	var v mailwiki.ValidationError
	for i, a := range cfg.Addresses {
		if h.Declared == nil {
			break
		}
		if id, err := h.Declared.Lookup(ctx, a.Address); err == nil && id != tenantID {
			v.Fields = append(v.Fields, mailwiki.FieldError{Field: fmt.Sprintf("addresses[%d].address", i),
				Message: a.Address + " is reserved by this service's operator; choose another address"})
		}
	}
	if len(v.Fields) > 0 {
		return conflict(&v)
	}
	err := h.Store.ReplaceHashes(ctx, tenantID, mailwiki.HashAddress, h.addressHashes(cfg))
	if mailwiki.ErrorCode(err) != mailwiki.ECONFLICT {
		return err
	}
	n, perr := strconv.Atoi(strings.TrimPrefix(strings.Fields(mailwiki.ErrorMessage(err))[0], "#"))
	if perr != nil || n < 1 || n > len(cfg.Addresses) {
		return err
	}
	a := cfg.Addresses[n-1].Address
	v.Fields = append(v.Fields, mailwiki.FieldError{Field: fmt.Sprintf("addresses[%d].address", n-1),
		Message: a + " is already used by another Confluence site; choose another address"})
	return conflict(&v)
}

func conflict(v *mailwiki.ValidationError) error {
	e := v.AsError()
	e.Code = mailwiki.ECONFLICT
	return e
}

// checkSite adds to v the site's objections: an address's space that does
// not exist, a parent that does not exist or is in another space. It fills
// each parent's type from the site. Addresses whose space key already has a
// problem are not asked about. A site that cannot be asked is an error.
func (h *Hosted) checkSite(ctx context.Context, t mailwiki.Tenant, cfg *mailwiki.TenantConfig, v *mailwiki.ValidationError) error {
	if len(cfg.Addresses) == 0 {
		return nil
	}
	site, err := h.Site(ctx, t)
	if err != nil {
		return err
	}
	spaces := map[string]spaceAnswer{}
	for i := range cfg.Addresses {
		a := &cfg.Addresses[i]
		f := fmt.Sprintf("addresses[%d].", i)
		if a.SpaceKey == "" || hasField(v, f+"spaceKey") {
			continue
		}
		ans, seen := spaces[a.SpaceKey]
		if !seen {
			ans.space, ans.err = site.SpaceByKey(ctx, a.SpaceKey)
			spaces[a.SpaceKey] = ans
		}
		switch {
		case mailwiki.ErrorCode(ans.err) == mailwiki.ENOTFOUND:
			addField(v, f+"spaceKey", "there is no space "+a.SpaceKey+" on this site (or mailwiki cannot see it)")
			continue
		case ans.err != nil:
			return temporary(ans.err, "Confluence could not be asked whether the spaces exist; nothing was saved, try again")
		}
		if a.ParentID == "" || hasField(v, f+"parentId") {
			continue
		}
		msg, err := h.checkParent(ctx, site, ans.space, a)
		if err != nil {
			return temporary(err, "Confluence could not be asked whether the parent exists; nothing was saved, try again")
		}
		if msg != "" {
			addField(v, f+"parentId", msg)
		}
	}
	return nil
}

type spaceAnswer struct {
	space mailwiki.Space
	err   error
}

// checkParent returns why a's parent cannot hold its pages ("" when it
// can), filling a.ParentType. A page says its space; a folder (REST v2
// folders do not) is looked for among the space's pages and folders.
func (h *Hosted) checkParent(ctx context.Context, site Site, space mailwiki.Space, a *mailwiki.AddressConfig) (string, error) {
	p, err := site.PageOrFolder(ctx, a.ParentID)
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		return "there is no page or folder " + a.ParentID + " on this site", nil
	}
	if err != nil {
		return "", err
	}
	a.ParentType = p.Type
	inSpace := p.SpaceID == space.ID
	if p.SpaceID == "" {
		found, err := site.Parents(ctx, space.Key, p.Title)
		if err != nil {
			return "", err
		}
		for _, c := range found {
			inSpace = inSpace || c.ID == p.ID
		}
	}
	if !inSpace {
		return fmt.Sprintf("%q is not in space %s; choose a page or folder of that space", p.Title, space.Key), nil
	}
	return "", nil
}

func hasField(v *mailwiki.ValidationError, field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func addField(v *mailwiki.ValidationError, field, msg string) {
	v.Fields = append(v.Fields, mailwiki.FieldError{Field: field, Message: msg})
}

func (h *Hosted) addressHashes(cfg mailwiki.TenantConfig) []mailwiki.KeyedHash {
	out := make([]mailwiki.KeyedHash, 0, len(cfg.Addresses))
	for _, a := range cfg.Addresses {
		out = append(out, h.Hash.Sum(mailwiki.HashAddress, NormalizeAddress(a.Address)))
	}
	return out
}

func (h *Hosted) senderHashes(cfg mailwiki.TenantConfig) []mailwiki.KeyedHash {
	out := make([]mailwiki.KeyedHash, 0, len(cfg.Senders.Entries))
	for _, e := range cfg.Senders.Entries {
		out = append(out, h.Hash.Sum(mailwiki.HashSender, e))
	}
	return out
}

// Spaces lists the spaces of the tenant's site.
func (h *Hosted) Spaces(ctx context.Context, tenantID string) ([]mailwiki.Space, error) {
	site, err := h.siteOf(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return site.Spaces(ctx)
}

// Parents lists the pages and folders of a space matching query.
func (h *Hosted) Parents(ctx context.Context, tenantID, spaceKey, query string) ([]mailwiki.Parent, error) {
	site, err := h.siteOf(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return site.Parents(ctx, spaceKey, query)
}

func (h *Hosted) siteOf(ctx context.Context, tenantID string) (Site, error) {
	t, err := h.installed(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return h.Site(ctx, t)
}

// installed returns an installed (not declared) tenant.
func (h *Hosted) installed(ctx context.Context, id string) (mailwiki.Tenant, error) {
	r, err := h.Store.Registration(ctx, id)
	if err != nil {
		return mailwiki.Tenant{}, err
	}
	return r.Tenant, nil
}

// Reindex rewrites a tenant's hashes under the primary hash key from the
// configuration read from its site: the second step of a hash-key
// rotation (after it, the old key can be removed).
func (h *Hosted) Reindex(ctx context.Context, tenantID string) error {
	t, err := h.installed(ctx, tenantID)
	if err != nil {
		return err
	}
	unlock := h.saves.lock(tenantID) // not between a save's claim and write
	defer unlock()
	cfg, err := h.Configs.Config(ctx, t)
	if err != nil {
		return temporary(err, "the configuration could not be read from Confluence")
	}
	if err := h.Store.ReplaceHashes(ctx, tenantID, mailwiki.HashAddress, h.addressHashes(cfg)); err != nil {
		return err
	}
	return h.Store.ReplaceHashes(ctx, tenantID, mailwiki.HashSender, h.senderHashes(cfg))
}

// ReindexStale reindexes every installed tenant with a hash under a key
// other than the primary, returning how many were rewritten; a tenant whose
// site cannot be read is logged and left for the next run.
func (h *Hosted) ReindexStale(ctx context.Context) (int, error) {
	regs, err := h.Store.Registrations(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range regs {
		ids, err := h.Store.HashKeyIDs(ctx, r.ID)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 || len(ids) == 1 && ids[0] == h.Hash.Primary() {
			continue
		}
		if err := h.Reindex(ctx, r.ID); err != nil {
			h.Logger.Warn("tenant: rehash under the new hash key failed; retried at next start", "tenant", r.ID, "error", err)
			continue
		}
		n++
	}
	return n, nil
}
