package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Connect configures the hosted mode: mailwiki as an Atlassian Connect app
// that Confluence Cloud sites install, each configured by its administrator
// on mailwiki's admin page inside Confluence.
type Connect struct {
	// Enabled serves the descriptor, the lifecycle callbacks and the admin
	// page on the HTTP side (http.listen), reachable at BaseURL.
	Enabled bool `yaml:"enabled"`
	// AppKey is the app's key in the descriptor; default "mailwiki".
	AppKey string `yaml:"app_key"`
	// BaseURL is the public https:// URL at which Confluence reaches this
	// server's HTTP side (a reverse proxy in front of http.listen).
	BaseURL string `yaml:"base_url"`
	// MailDomains are the domains of the addresses sites may register
	// (their MX records point at this server).
	MailDomains []string `yaml:"mail_domains"`
	// KeyBaseURL is where the public keys that sign install callbacks are
	// fetched by key id; default Atlassian's https://connect-install-keys.atlassian.com.
	KeyBaseURL string `yaml:"key_base_url"`
	// HostScriptURL is Atlassian's all.js, loaded by the admin page; default
	// https://connect-cdn.atl-paas.net/all.js.
	HostScriptURL string `yaml:"host_script_url"`
	// HashKeys maps a key id to a base64 secret of at least 32 bytes: the
	// HMAC keys of the address and sender hashes (promises P10, P11).
	HashKeys       map[string]Secret `yaml:"hash_keys"`
	PrimaryHashKey string            `yaml:"primary_hash_key"`
	// ConfigCacheTTL is how long a site's configuration, read from its
	// Confluence, is kept in memory; default 10s, at most 60s.
	ConfigCacheTTL time.Duration `yaml:"config_cache_ttl"`
	// AllowInsecureHTTP accepts http:// for BaseURL, KeyBaseURL and the
	// sites' base URLs: only for a local sandbox (promise P14).
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

func defaultConnect() Connect {
	return Connect{AppKey: "mailwiki", KeyBaseURL: "https://connect-install-keys.atlassian.com",
		HostScriptURL: "https://connect-cdn.atl-paas.net/all.js", ConfigCacheTTL: 10 * time.Second}
}

func (c Connect) validate() []error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, u := range []struct{ key, value, example string }{
		{"connect.base_url", c.BaseURL, "https://mailwiki.example.com"},
		{"connect.key_base_url", c.KeyBaseURL, "https://connect-install-keys.atlassian.com"},
		{"connect.host_script_url", c.HostScriptURL, "https://connect-cdn.atl-paas.net/all.js"},
	} {
		p, err := url.Parse(u.value)
		switch {
		case err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http"):
			add("%s %q: want an absolute URL, e.g. %s", u.key, u.value, u.example)
		case p.Scheme == "http" && !c.AllowInsecureHTTP:
			add("%s %q uses plain HTTP: Confluence only talks to apps over HTTPS; use https:// (connect.allow_insecure_http is for a local sandbox)", u.key, u.value)
		}
	}
	if c.AppKey == "" || len(c.AppKey) > 64 || strings.ContainsAny(c.AppKey, " /?#") {
		add("connect.app_key %q: use up to 64 characters without spaces, e.g. com.example.mailwiki", c.AppKey)
	}
	if len(c.MailDomains) == 0 {
		add("connect.mail_domains is empty: list the domains whose MX points here, e.g. [wiki.example.com]")
	}
	for _, d := range c.MailDomains {
		if d != strings.ToLower(d) || !strings.Contains(d, ".") || strings.ContainsAny(d, "@ /") {
			add("connect.mail_domains: %q is not a lower-case domain name like wiki.example.com", d)
		}
	}
	if c.ConfigCacheTTL <= 0 || c.ConfigCacheTTL > time.Minute {
		add("connect.config_cache_ttl = %s: choose more than 0 and at most 1m (a site's configuration is never kept longer)", c.ConfigCacheTTL)
	}
	errs = append(errs, c.validateHashKeys()...)
	return errs
}

func (c Connect) validateHashKeys() []error {
	if len(c.HashKeys) == 0 {
		return []error{fmt.Errorf("connect.hash_keys is empty: set MAILWIKI_HASH_KEY (or _FILE) to a base64 secret of 32 bytes or more, e.g. from 'openssl rand -base64 32'")}
	}
	var errs []error
	ids := make([]string, 0, len(c.HashKeys))
	for id, k := range c.HashKeys {
		ids = append(ids, id)
		if b, err := base64.StdEncoding.DecodeString(k.Value); err != nil || len(b) < 32 {
			errs = append(errs, fmt.Errorf("connect.hash_keys.%s: want base64 of at least 32 bytes (e.g. 'openssl rand -base64 32')", id))
		}
	}
	sort.Strings(ids)
	if _, ok := c.HashKeys[c.PrimaryHashKey]; !ok {
		errs = append(errs, fmt.Errorf("connect.primary_hash_key %q is not among connect.hash_keys (have: %s)", c.PrimaryHashKey, strings.Join(ids, ", ")))
	}
	return errs
}

// applyConnectEnv reads MAILWIKI_CONNECT_* and MAILWIKI_HASH_KEY[_FILE].
func applyConnectEnv(cfg *Connect, getenv Getenv) {
	if v := getenv("MAILWIKI_CONNECT_ENABLED"); v == "true" || v == "1" {
		cfg.Enabled = true
	}
	for name, dst := range map[string]*string{"MAILWIKI_CONNECT_BASE_URL": &cfg.BaseURL, "MAILWIKI_CONNECT_APP_KEY": &cfg.AppKey,
		"MAILWIKI_CONNECT_KEY_BASE_URL": &cfg.KeyBaseURL} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if v := getenv("MAILWIKI_CONNECT_MAIL_DOMAINS"); v != "" {
		cfg.MailDomains = strings.Split(v, ",")
	}
	if key := envSecret(getenv, "MAILWIKI_HASH_KEY"); key != (Secret{}) {
		id := getenv("MAILWIKI_HASH_KEY_ID")
		if id == "" {
			id = "env"
		}
		if cfg.HashKeys == nil {
			cfg.HashKeys = map[string]Secret{}
		}
		cfg.HashKeys[id] = key
		cfg.PrimaryHashKey = id
	}
}

// HashKeys decodes connect.hash_keys (validated by Load).
func (c Config) HashKeys() map[string][]byte {
	out := make(map[string][]byte, len(c.Connect.HashKeys))
	for id, s := range c.Connect.HashKeys {
		b, _ := base64.StdEncoding.DecodeString(s.Value)
		out[id] = b
	}
	return out
}
