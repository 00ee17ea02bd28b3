package tenant

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
// and the site (spaces and parents exist), claims its addresses' hashes
// (refusing, with nothing changed, an address another site or the
// operator owns), writes it to the site, then replaces the sender hashes.
// If the site refuses the write, the previous address hashes are put back.
func (h *Hosted) SaveConfig(ctx context.Context, tenantID string, cfg mailwiki.TenantConfig) (mailwiki.TenantConfig, error) {
	t, err := h.installed(ctx, tenantID)
	if err != nil {
		return cfg, err
	}
	cfg.Normalize()
	if err := cfg.Validate(h.MailDomains); err != nil {
		return cfg, err.(*mailwiki.ValidationError).AsError()
	}
	if err := h.checkSite(ctx, t, &cfg); err != nil {
		return cfg, err
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

// checkSite checks that every address's space exists and its parent is a
// page or folder of the kind it says; it fills the parent type from the site.
func (h *Hosted) checkSite(ctx context.Context, t mailwiki.Tenant, cfg *mailwiki.TenantConfig) error {
	if len(cfg.Addresses) == 0 {
		return nil
	}
	site, err := h.Site(ctx, t)
	if err != nil {
		return err
	}
	var v mailwiki.ValidationError
	spaces := map[string]error{}
	for i := range cfg.Addresses {
		a := &cfg.Addresses[i]
		f := fmt.Sprintf("addresses[%d].", i)
		err, seen := spaces[a.SpaceKey]
		if !seen {
			_, err = site.SpaceByKey(ctx, a.SpaceKey)
			spaces[a.SpaceKey] = err
		}
		switch {
		case mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND:
			v.Fields = append(v.Fields, mailwiki.FieldError{Field: f + "spaceKey", Message: "there is no space " + a.SpaceKey + " on this site (or mailwiki may not see it)"})
			continue
		case err != nil:
			return temporary(err, "Confluence could not be asked whether the spaces exist; nothing was saved, try again")
		}
		if a.ParentID == "" {
			continue
		}
		p, err := site.PageOrFolder(ctx, a.ParentID)
		switch {
		case mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND:
			v.Fields = append(v.Fields, mailwiki.FieldError{Field: f + "parentId", Message: "there is no page or folder " + a.ParentID + " on this site"})
		case err != nil:
			return temporary(err, "Confluence could not be asked whether the parent exists; nothing was saved, try again")
		default:
			a.ParentType = p.Type
		}
	}
	if len(v.Fields) > 0 {
		return v.AsError()
	}
	return nil
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
