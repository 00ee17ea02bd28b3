package web

import (
	"net/http"

	"github.com/mailwiki/mailwiki"
)

func (a *admin) getConfig(w http.ResponseWriter, r *http.Request, tenantID string) {
	cfg, domains, err := a.svc.Config(r.Context(), tenantID)
	if err != nil {
		a.fail(w, "config", tenantID, err, false)
		return
	}
	if domains == nil {
		domains = []string{}
	}
	writeJSON(w, http.StatusOK, struct {
		Config      mailwiki.TenantConfig `json:"config"`
		MailDomains []string              `json:"mailDomains"`
		Limits      limitsBody            `json:"limits"`
	}{wireConfig(cfg), domains, limitsBody{mailwiki.MaxAddresses, mailwiki.MaxSenderEntries}})
}

// configRequest is the body of a save. Every part is a pointer so that a
// missing or null one is told apart from an empty one: a save replaces the
// whole configuration, and a part left out must not erase what is stored.
// Addresses and senders are required; spam, newer, may be left out by a
// page loaded before it existed, and then keeps the stored setting.
type configRequest struct {
	Addresses *[]mailwiki.AddressConfig `json:"addresses"`
	Senders   *struct {
		Mode    *string   `json:"mode"`
		Entries *[]string `json:"entries"`
	} `json:"senders"`
	Spam *struct {
		Action *string `json:"action"`
	} `json:"spam"`
}

const noConfiguration = "The request carries no configuration: send addresses and senders (an empty list removes every address)."

// config returns the configuration the request carries, or a sentence
// saying what is missing.
func (c *configRequest) config() (mailwiki.TenantConfig, string) {
	switch {
	case c.Addresses == nil || c.Senders == nil:
		return mailwiki.TenantConfig{}, noConfiguration
	case c.Senders.Mode == nil || c.Senders.Entries == nil:
		return mailwiki.TenantConfig{}, "The request's senders carry no mode or no entries: send both (an empty list of entries is allowed)."
	case c.Spam != nil && c.Spam.Action == nil:
		return mailwiki.TenantConfig{}, "The request's spam setting carries no action: send \"refuse\" or \"mark\", or leave spam out to keep the current setting."
	}
	cfg := mailwiki.TenantConfig{
		Addresses: *c.Addresses,
		Senders:   mailwiki.SenderList{Mode: *c.Senders.Mode, Entries: *c.Senders.Entries},
	}
	if c.Spam != nil {
		cfg.Spam.Action = *c.Spam.Action
	}
	return cfg, ""
}

func (a *admin) putConfig(w http.ResponseWriter, r *http.Request, tenantID string) {
	var req configRequest
	status, msg := decodeJSON(w, r, &req)
	cfg, missing := req.config()
	if status == 0 && missing != "" {
		status, msg = http.StatusBadRequest, missing
	}
	if status != 0 {
		a.log.Info("admin: request refused", "route", "save", "tenant", tenantID, "status", status)
		writeJSON(w, status, errorBody{Error: msg})
		return
	}
	if req.Spam == nil {
		// A page older than the spam setting: keep what is stored.
		current, _, err := a.svc.Config(r.Context(), tenantID)
		if err != nil {
			a.fail(w, "save", tenantID, err, true)
			return
		}
		cfg.Spam = current.Spam
	}
	saved, err := a.svc.SaveConfig(r.Context(), tenantID, cfg)
	if err != nil {
		a.fail(w, "save", tenantID, err, true)
		return
	}
	a.log.Info("admin: configuration saved", "tenant", tenantID,
		"addresses", len(saved.Addresses), "senders", len(saved.Senders.Entries))
	writeJSON(w, http.StatusOK, map[string]mailwiki.TenantConfig{"config": wireConfig(saved)})
}

// wireConfig returns cfg with empty lists as [] rather than null and the
// spam action filled (its default, refuse, when none is stored).
func wireConfig(cfg mailwiki.TenantConfig) mailwiki.TenantConfig {
	if cfg.Spam.Action == "" {
		cfg.Spam.Action = mailwiki.SpamRefuse
	}
	if cfg.Addresses == nil {
		cfg.Addresses = []mailwiki.AddressConfig{}
	}
	if cfg.Senders.Entries == nil {
		cfg.Senders.Entries = []string{}
	}
	return cfg
}
