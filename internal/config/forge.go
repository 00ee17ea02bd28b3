package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Forge configures mailwiki as the remote backend of a Forge app
// (forge/manifest.yml): Forge invokes it with a Forge Invocation Token for
// lifecycle events, the hourly scheduled trigger, preUninstall and the
// admin page's calls.
type Forge struct {
	Enabled bool `yaml:"enabled"`
	// AppID is the Forge app's id, ari:cloud:ecosystem::app/<uuid>: the
	// invocation tokens' audience.
	AppID string `yaml:"app_id"`
	// Environments are the environment ids (UUIDs or ARIs) whose calls are
	// accepted; empty: any environment of the app.
	Environments []string `yaml:"environments"`
	// JWKSURL is where the invocation tokens' keys are; default
	// https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json.
	JWKSURL string `yaml:"jwks_url"`
	// APIHosts are the hosts a token's apiBaseUrl may name (product
	// tokens are sent only there); default [api.atlassian.com].
	APIHosts []string `yaml:"api_hosts"`
	// InactiveGrace: an installation from which Forge has not called for
	// this long, and whose token has expired, is wiped as uninstalled
	// (Forge sends no event when a site is deleted); default 720h.
	InactiveGrace time.Duration `yaml:"inactive_grace"`
	// AllowInsecureHTTP accepts http:// for JWKSURL and apiBaseUrl: only
	// for a local sandbox.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

func defaultForge() Forge {
	return Forge{JWKSURL: "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json", APIHosts: []string{"api.atlassian.com"},
		InactiveGrace: 720 * time.Hour}
}

var (
	appARI = regexp.MustCompile(`^ari:cloud:ecosystem::app/[0-9a-fA-F-]{36}$`)
	envID  = regexp.MustCompile(`^(ari:cloud:ecosystem::environment/[0-9a-fA-F-]{36}/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	host   = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
)

func (f Forge) validate() []error {
	if !f.Enabled {
		return nil
	}
	errs := checkURLs(f.AllowInsecureHTTP, "forge.allow_insecure_http",
		urlSetting{"forge.jwks_url", f.JWKSURL, "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json"})
	if !appARI.MatchString(f.AppID) {
		errs = append(errs, fmt.Errorf("forge.app_id %q: want the app's id as forge register wrote it in manifest.yml, ari:cloud:ecosystem::app/<uuid>", f.AppID))
	}
	if len(f.APIHosts) == 0 {
		errs = append(errs, fmt.Errorf("forge.api_hosts is empty: list the hosts product calls may go to, e.g. [api.atlassian.com]"))
	}
	for _, h := range f.APIHosts {
		if !host.MatchString(strings.ToLower(strings.TrimSpace(h))) {
			errs = append(errs, fmt.Errorf("forge.api_hosts: %q is not a host name (or host:port) without scheme or path, e.g. api.atlassian.com", h))
		}
	}
	for _, e := range f.Environments {
		if !envID.MatchString(strings.TrimSpace(e)) {
			errs = append(errs, fmt.Errorf("forge.environments: %q is not an environment id: give its UUID (forge environments list) or its ARI ari:cloud:ecosystem::environment/<app uuid>/<environment uuid>", e))
		}
	}
	if f.InactiveGrace < 24*time.Hour {
		errs = append(errs, fmt.Errorf("forge.inactive_grace = %s: choose at least 24h (an installation is wiped after Forge stayed silent this long)", f.InactiveGrace))
	}
	return errs
}
