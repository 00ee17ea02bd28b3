package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Hosted configures what the installed modes (connect, forge) share: the
// mail domains sites register addresses under, the keys of the keyed
// hashes the server keeps instead of addresses, and how long a site's
// configuration read from its Confluence is kept in memory.
type Hosted struct {
	// MailDomains are the domains of the addresses sites may register
	// (their MX records point at this server).
	MailDomains []string `yaml:"mail_domains"`
	// HashKeys maps a key id to a base64 secret of at least 32 bytes: the
	// HMAC keys of the address and sender hashes (promises P10, P11).
	HashKeys       map[string]Secret `yaml:"hash_keys"`
	PrimaryHashKey string            `yaml:"primary_hash_key"`
	// ConfigCacheTTL is how long a site's configuration, read from its
	// Confluence, is kept in memory; default 10s, at most 60s.
	ConfigCacheTTL time.Duration `yaml:"config_cache_ttl"`
}

// Connect configures mailwiki as an Atlassian Connect app that Confluence
// Cloud sites install, each configured by its administrator on mailwiki's
// admin page inside Confluence.
type Connect struct {
	// Enabled serves the descriptor, the lifecycle callbacks and the admin
	// page on the HTTP side (http.listen), reachable at BaseURL.
	Enabled bool `yaml:"enabled"`
	// AppKey is the app's key in the descriptor; default "mailwiki".
	AppKey string `yaml:"app_key"`
	// BaseURL is the public https:// URL at which Confluence reaches this
	// server's HTTP side (a reverse proxy in front of http.listen).
	BaseURL string `yaml:"base_url"`
	// KeyBaseURL is where the public keys that sign install callbacks are
	// fetched by key id; default Atlassian's https://connect-install-keys.atlassian.com.
	KeyBaseURL string `yaml:"key_base_url"`
	// HostScriptURL is Atlassian's all.js, loaded by the admin page; default
	// https://connect-cdn.atl-paas.net/all.js.
	HostScriptURL string `yaml:"host_script_url"`
	// AllowInsecureHTTP accepts http:// for BaseURL, KeyBaseURL and the
	// sites' base URLs: only for a local sandbox (promise P14).
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

func defaultHosted() Hosted { return Hosted{ConfigCacheTTL: 10 * time.Second} }

func defaultConnect() Connect {
	return Connect{AppKey: "mailwiki", KeyBaseURL: "https://connect-install-keys.atlassian.com",
		HostScriptURL: "https://connect-cdn.atl-paas.net/all.js"}
}

func (c Connect) validate() []error {
	if !c.Enabled {
		return nil
	}
	errs := checkURLs(c.AllowInsecureHTTP, "connect.allow_insecure_http",
		urlSetting{"connect.base_url", c.BaseURL, "https://mailwiki.example.com"},
		urlSetting{"connect.key_base_url", c.KeyBaseURL, "https://connect-install-keys.atlassian.com"},
		urlSetting{"connect.host_script_url", c.HostScriptURL, "https://connect-cdn.atl-paas.net/all.js"})
	if c.AppKey == "" || len(c.AppKey) > 64 || strings.ContainsAny(c.AppKey, " /?#") {
		errs = append(errs, fmt.Errorf("connect.app_key %q: use up to 64 characters without spaces, e.g. com.example.mailwiki", c.AppKey))
	}
	return errs
}

type urlSetting struct{ key, value, example string }

// checkURLs checks absolute http(s) URLs; plain HTTP only with insecureKey set.
func checkURLs(allowHTTP bool, insecureKey string, urls ...urlSetting) []error {
	var errs []error
	for _, u := range urls {
		p, err := url.Parse(u.value)
		switch {
		case err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http"):
			errs = append(errs, fmt.Errorf("%s %q: want an absolute URL, e.g. %s", u.key, u.value, u.example))
		case p.Scheme == "http" && !allowHTTP:
			errs = append(errs, fmt.Errorf("%s %q uses plain HTTP: Atlassian only talks to apps over HTTPS; use https:// (%s is for a local sandbox)", u.key, u.value, insecureKey))
		}
	}
	return errs
}

// validate checks the shared settings when an installed mode is enabled.
func (h Hosted) validate(enabled bool) []error {
	if !enabled {
		return nil
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(h.MailDomains) == 0 {
		add("hosted.mail_domains is empty: list the domains whose MX points here, e.g. [wiki.example.com]")
	}
	for _, d := range h.MailDomains {
		if !strings.Contains(d, ".") || strings.ContainsAny(d, "@ /") {
			add("hosted.mail_domains: %q is not a domain name like wiki.example.com", d)
		}
	}
	if h.ConfigCacheTTL <= 0 || h.ConfigCacheTTL > time.Minute {
		add("hosted.config_cache_ttl = %s: choose more than 0 and at most 1m (a site's configuration is never kept longer)", h.ConfigCacheTTL)
	}
	return append(errs, h.validateHashKeys()...)
}

func (h Hosted) validateHashKeys() []error {
	if len(h.HashKeys) == 0 {
		return []error{fmt.Errorf("hosted.hash_keys is empty: set MAILWIKI_HASH_KEY (or _FILE) to a base64 secret of 32 bytes or more, e.g. from 'openssl rand -base64 32'")}
	}
	var errs []error
	ids := make([]string, 0, len(h.HashKeys))
	for id, k := range h.HashKeys {
		ids = append(ids, id)
		if b, err := base64.StdEncoding.DecodeString(k.Value); err != nil || len(b) < 32 {
			errs = append(errs, fmt.Errorf("hosted.hash_keys.%s: want base64 of at least 32 bytes (e.g. 'openssl rand -base64 32')", id))
		}
	}
	sort.Strings(ids)
	if _, ok := h.HashKeys[h.PrimaryHashKey]; !ok {
		errs = append(errs, fmt.Errorf("hosted.primary_hash_key %q is not among hosted.hash_keys (have: %s)", h.PrimaryHashKey, strings.Join(ids, ", ")))
	}
	return errs
}

// applyHostedEnv reads MAILWIKI_CONNECT_*, MAILWIKI_FORGE_*,
// MAILWIKI_MAIL_DOMAINS and MAILWIKI_HASH_KEY[_FILE].
func applyHostedEnv(cfg *Config, getenv Getenv) {
	for name, dst := range map[string]*bool{"MAILWIKI_CONNECT_ENABLED": &cfg.Connect.Enabled, "MAILWIKI_FORGE_ENABLED": &cfg.Forge.Enabled} {
		if v := getenv(name); v == "true" || v == "1" {
			*dst = true
		}
	}
	for name, dst := range map[string]*string{"MAILWIKI_CONNECT_BASE_URL": &cfg.Connect.BaseURL, "MAILWIKI_CONNECT_APP_KEY": &cfg.Connect.AppKey,
		"MAILWIKI_CONNECT_KEY_BASE_URL": &cfg.Connect.KeyBaseURL, "MAILWIKI_FORGE_APP_ID": &cfg.Forge.AppID, "MAILWIKI_FORGE_JWKS_URL": &cfg.Forge.JWKSURL} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	for name, dst := range map[string]*[]string{"MAILWIKI_MAIL_DOMAINS": &cfg.Hosted.MailDomains, "MAILWIKI_FORGE_ENVIRONMENTS": &cfg.Forge.Environments} {
		if v := getenv(name); v != "" {
			*dst = strings.Split(v, ",")
		}
	}
	envKey(getenv, "MAILWIKI_HASH_KEY", &cfg.Hosted.HashKeys, &cfg.Hosted.PrimaryHashKey)
}

// HashKeys decodes hosted.hash_keys (validated by Load).
func (c Config) HashKeys() map[string][]byte { return decodeKeys(c.Hosted.HashKeys) }
