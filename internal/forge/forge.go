package forge

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// DefaultJWKSURL is where Forge publishes the public keys that sign
// invocation tokens, for every third-party app and environment ("Forge
// remote essentials",
// https://developer.atlassian.com/platform/forge/remote/essentials/).
const DefaultJWKSURL = "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json"

// DefaultAPIHost is the only host product API base URLs may name unless
// Options.APIHosts says otherwise.
const DefaultAPIHost = "api.atlassian.com"

// appARIPrefix starts an app id: ari:cloud:ecosystem::app/<uuid>.
const appARIPrefix = "ari:cloud:ecosystem::app/"

// Options configure Forge.
type Options struct {
	// AppID is the app's id, the ARI ari:cloud:ecosystem::app/<uuid> of
	// manifest.yml's app.id. Invocation tokens must name it in aud and
	// app.id; it is never taken from a token.
	AppID string
	// JWKSURL is where the token signing keys are; default DefaultJWKSURL.
	JWKSURL string
	// Environments are the app environments whose invocations are
	// accepted, as environment ARIs
	// (ari:cloud:ecosystem::environment/<app uuid>/<env uuid>) or bare
	// environment UUIDs. Empty accepts every environment of the app
	// (development, staging and production share the app id).
	Environments []string
	// APIHosts are the hosts (host or host:port, as written in the URL)
	// that app.apiBaseUrl and every installation context's apiBaseUrl
	// may name; default DefaultAPIHost. The system token is sent there.
	APIHosts []string
	// AllowInsecureHTTP permits http:// for JWKSURL and the API base
	// URLs: only for a local sandbox.
	AllowInsecureHTTP bool
	Registry          Registry
	Logger            *slog.Logger     // default: discard
	Now               func() time.Time // default time.Now
	// HTTPClient fetches the key set; default a client with a 10 s
	// timeout. Each fetch is also bounded by a 10 s context timeout.
	HTTPClient *http.Client
}

// Forge serves the remote side of mailwiki's Forge app: it verifies
// Forge invocation tokens, registers installations from lifecycle events
// and scheduled ticks, forgets them on preUninstall, and authenticates the
// admin page's calls. It is safe for concurrent use.
type Forge struct {
	appID         string // lower-case ARI
	envs          map[string]bool
	hosts         map[string]bool
	allowInsecure bool
	registry      Registry
	keys          *jwksSource
	log           *slog.Logger
	refusals      *refusal.Logger // 401s, which anyone can provoke
	now           func() time.Time
	pending       sync.WaitGroup // asynchronous uninstalls
}

// New validates opts and returns a Forge. Configuration errors are ECONFIG
// *mailwiki.Error saying what to change.
func New(opts Options) (*Forge, error) {
	opts = withDefaults(opts)
	appID, err := parseAppID(opts.AppID)
	if err != nil {
		return nil, err
	}
	if opts.Registry == nil {
		return nil, configError("forge: Registry is required (where installations are kept)")
	}
	jwksURL, err := parseJWKSURL(opts.JWKSURL, opts.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	envs, err := parseEnvironments(opts.Environments)
	if err != nil {
		return nil, err
	}
	hosts, err := parseAPIHosts(opts.APIHosts)
	if err != nil {
		return nil, err
	}
	return &Forge{
		appID: appID, envs: envs, hosts: hosts,
		allowInsecure: opts.AllowInsecureHTTP,
		registry:      opts.Registry,
		keys:          newJWKSSource(jwksURL, opts.HTTPClient, opts.Now, opts.Logger),
		log:           opts.Logger,
		refusals:      refusal.NewLogger(opts.Logger, opts.Now),
		now:           opts.Now,
	}, nil
}

func withDefaults(opts Options) Options {
	if opts.JWKSURL == "" {
		opts.JWKSURL = DefaultJWKSURL
	}
	if len(opts.APIHosts) == 0 {
		opts.APIHosts = []string{DefaultAPIHost}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: jwksFetchTimeout}
	}
	return opts
}

// parseAppID checks that id is an app ARI and returns it in lower case.
func parseAppID(id string) (string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if isUUID(id) {
		return "", configError("forge: AppID %q must be the app's ARI, ari:cloud:ecosystem::app/%s (manifest.yml, app.id)", id, id)
	}
	if !strings.HasPrefix(id, appARIPrefix) || !isUUID(id[len(appARIPrefix):]) {
		return "", configError("forge: AppID %q must be the app's ARI, ari:cloud:ecosystem::app/<uuid>, as in manifest.yml's app.id", id)
	}
	return id, nil
}

// parseJWKSURL checks the key set's URL: absolute, https (http only with
// allowInsecure), no user info or fragment.
func parseJWKSURL(raw string, allowInsecure bool) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.User != nil || u.Fragment != "":
		return "", configError("forge: JWKSURL %q must be an absolute URL like %s", raw, DefaultJWKSURL)
	case u.Scheme == "http" && !allowInsecure:
		return "", configError("forge: JWKSURL %q must use https (http only with AllowInsecureHTTP, for a local sandbox)", raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", configError("forge: JWKSURL %q must use https", raw)
	}
	return u.String(), nil
}

// parseEnvironments normalises the allowed environments to their UUIDs;
// nil when every environment is allowed.
func parseEnvironments(list []string) (map[string]bool, error) {
	if len(list) == 0 {
		return nil, nil
	}
	envs := make(map[string]bool, len(list))
	for _, e := range list {
		id, ok := ariUUID(strings.TrimSpace(e), envARIPrefix)
		if !ok {
			return nil, configError("forge: Environments entry %q must be an environment ARI (ari:cloud:ecosystem::environment/<app uuid>/<environment uuid>) or the environment's UUID (forge environments list)", e)
		}
		envs[id] = true
	}
	return envs, nil
}

// parseAPIHosts checks and lower-cases the allowed API hosts.
func parseAPIHosts(list []string) (map[string]bool, error) {
	hosts := make(map[string]bool, len(list))
	for _, h := range list {
		h = strings.ToLower(strings.TrimSpace(h))
		u, err := url.Parse("https://" + h)
		if h == "" || err != nil || u.Host != h || u.Path != "" || u.User != nil {
			return nil, configError("forge: APIHosts entry %q must be a host name, or host:port, without scheme or path, e.g. %s", h, DefaultAPIHost)
		}
		hosts[h] = true
	}
	return hosts, nil
}

func configError(format string, args ...any) *mailwiki.Error {
	return mailwiki.Errorf(mailwiki.ECONFIG, format, args...)
}

// Wait blocks until every uninstall started asynchronously (by a
// preUninstall call) so far has ended. Call it at shutdown, after the HTTP
// server stopped taking requests.
func (f *Forge) Wait() { f.pending.Wait() }
