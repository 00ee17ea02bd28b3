package connect

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// Registry keeps the sites that installed the app. Install is called only
// for an install callback the host signed; it inserts or replaces the
// registration with r.ID (a reinstall brings a new shared secret).
type Registry interface {
	Install(ctx context.Context, r mailwiki.Registration) error
	// Uninstall forgets the site; an unknown client key is not an error.
	Uninstall(ctx context.Context, clientKey string) error
	// Secret returns the site's shared secret, or an ENOTFOUND
	// *mailwiki.Error when the client key is unknown.
	Secret(ctx context.Context, clientKey string) ([]byte, error)
}

// Options configure Connect.
type Options struct {
	AppKey string // the app key of the descriptor, [A-Za-z0-9._-], at most 64
	Name   string // shown to site administrators; default "mailwiki"
	// BaseURL is the app's public base URL, https://… (http only with
	// AllowInsecureHTTP). Install tokens must name it in aud; their qsh is
	// computed relative to its path.
	BaseURL string
	// KeyBaseURL is where the host's public keys are; default
	// DefaultKeyBaseURL.
	KeyBaseURL string
	// KeyClient fetches keys; default a client with a 10 s timeout. Each
	// fetch is also bounded by a 10 s context timeout.
	KeyClient *http.Client
	Registry  Registry
	Logger    *slog.Logger     // default: discard
	Now       func() time.Time // default time.Now
	// AdminPageURL is the admin page's URL relative to BaseURL; default
	// "/admin/".
	AdminPageURL string
	// AllowInsecureHTTP permits http:// for BaseURL, KeyBaseURL and the
	// sites' base URLs: only for a local sandbox.
	AllowInsecureHTTP bool
}

// Connect serves the Atlassian Connect side of the app: the descriptor, the
// install lifecycle, and verification of the admin page's context JWTs. It
// is safe for concurrent use.
type Connect struct {
	appKey, name  string
	baseURL       string // without a trailing slash
	basePath      string // baseURL's path, the qsh context path
	adminPage     string
	allowInsecure bool
	registry      Registry
	keys          *keySource
	log           *slog.Logger
	refusals      *refusal.Logger // 401s, which anyone can provoke
	now           func() time.Time
}

// New validates opts and returns a Connect. Configuration errors are ECONFIG
// *mailwiki.Error saying what to change.
func New(opts Options) (*Connect, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	base, err := parseBaseURL("BaseURL", opts.BaseURL, opts.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	keyBase, err := parseBaseURL("KeyBaseURL", opts.KeyBaseURL, opts.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	return &Connect{
		appKey:        opts.AppKey,
		name:          opts.Name,
		baseURL:       base.String(),
		basePath:      base.Path,
		adminPage:     opts.AdminPageURL,
		allowInsecure: opts.AllowInsecureHTTP,
		registry:      opts.Registry,
		keys:          newKeySource(keyBase.String(), opts.KeyClient, opts.Now),
		log:           opts.Logger,
		refusals:      refusal.NewLogger(opts.Logger, opts.Now),
		now:           opts.Now,
	}, nil
}

// withDefaults fills in defaults and checks the fields that need no parsing.
func withDefaults(opts Options) (Options, error) {
	if !appKeyPattern.MatchString(opts.AppKey) {
		return opts, configError("connect: AppKey %q must be 1 to 64 letters, digits, '.', '_' or '-', e.g. com.example.mailwiki", opts.AppKey)
	}
	if opts.Registry == nil {
		return opts, configError("connect: Registry is required (where installed sites are kept)")
	}
	if opts.Name == "" {
		opts.Name = "mailwiki"
	}
	if opts.KeyBaseURL == "" {
		opts.KeyBaseURL = DefaultKeyBaseURL
	}
	if opts.KeyClient == nil {
		opts.KeyClient = &http.Client{Timeout: keyFetchTimeout}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AdminPageURL == "" {
		opts.AdminPageURL = "/admin/"
	}
	if !strings.HasPrefix(opts.AdminPageURL, "/") || strings.HasPrefix(opts.AdminPageURL, "//") {
		return opts, configError("connect: AdminPageURL %q must be a path relative to BaseURL, starting with one \"/\", e.g. /admin/", opts.AdminPageURL)
	}
	return opts, nil
}

// parseBaseURL parses an absolute https URL (http when allowInsecure)
// without query, fragment or user info; the result has no trailing slash.
func parseBaseURL(field, raw string, allowInsecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, configError("connect: %s %q must be an absolute URL like https://mailwiki.example.com, without query or user info", field, raw)
	case u.Scheme == "http" && !allowInsecure:
		return nil, configError("connect: %s %q must use https (http only with AllowInsecureHTTP, for a local sandbox)", field, raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, configError("connect: %s %q must use https", field, raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func configError(format string, args ...any) *mailwiki.Error {
	return mailwiki.Errorf(mailwiki.ECONFIG, format, args...)
}

// Handler serves, relative to BaseURL (mount it with http.StripPrefix when
// BaseURL has a path):
//
//	GET  /atlassian-connect.json  the app descriptor
//	POST /connect/installed       the install callback
//	POST /connect/uninstalled     the uninstall callback
//
// Any other method on these paths is answered 405 with an Allow header and
// a JSON {"error": …} saying which method to use.
func (c *Connect) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DescriptorPath, c.serveDescriptor)
	mux.HandleFunc(DescriptorPath, methodNotAllowed(http.MethodGet, "GET, HEAD"))
	mux.HandleFunc("POST "+InstalledPath, c.serveInstalled)
	mux.HandleFunc(InstalledPath, methodNotAllowed(http.MethodPost, http.MethodPost))
	mux.HandleFunc("POST "+UninstalledPath, c.serveUninstalled)
	mux.HandleFunc(UninstalledPath, methodNotAllowed(http.MethodPost, http.MethodPost))
	return mux
}

// serveInstalled handles the install callback: the host's signature is
// verified before the body is even read, then the body is checked and the
// site registered. 204 on success, 401 for any signature problem (nothing
// stored), 400 for a bad body, 503/500 when the registry fails.
func (c *Connect) serveInstalled(w http.ResponseWriter, r *http.Request) {
	reg, err := c.install(r)
	if err != nil {
		c.fail(w, r, eventInstall, err)
		return
	}
	c.log.Info("connect: installed", "client_key", reg.ID, "site", reg.BaseURL)
	w.WriteHeader(http.StatusNoContent)
}

// install verifies and performs an install callback.
func (c *Connect) install(r *http.Request) (mailwiki.Registration, error) {
	cl, err := c.verifyLifecycle(r, eventInstall)
	if err != nil {
		return mailwiki.Registration{}, err
	}
	p, err := c.readPayload(r, cl, eventInstall)
	if err != nil {
		return mailwiki.Registration{}, err
	}
	reg, err := c.registration(p)
	if err != nil {
		return mailwiki.Registration{}, err
	}
	if err := c.registry.Install(r.Context(), reg); err != nil {
		return mailwiki.Registration{}, registryError("install", err)
	}
	return reg, nil
}

// serveUninstalled handles the uninstall callback, verified as the install
// one, then forgets the site. 204 on success.
func (c *Connect) serveUninstalled(w http.ResponseWriter, r *http.Request) {
	clientKey, err := c.uninstall(r)
	if err != nil {
		c.fail(w, r, eventUninstall, err)
		return
	}
	c.log.Info("connect: uninstalled", "client_key", clientKey)
	w.WriteHeader(http.StatusNoContent)
}

func (c *Connect) uninstall(r *http.Request) (string, error) {
	cl, err := c.verifyLifecycle(r, eventUninstall)
	if err != nil {
		return "", err
	}
	p, err := c.readPayload(r, cl, eventUninstall)
	if err != nil {
		return "", err
	}
	if err := c.registry.Uninstall(r.Context(), p.ClientKey); err != nil {
		return "", registryError("uninstall", err)
	}
	return p.ClientKey, nil
}

// registryError keeps a registry's *mailwiki.Error and makes anything else a
// temporary EUNAVAILABLE one.
func registryError(op string, err error) error {
	var e *mailwiki.Error
	if errors.As(err, &e) {
		return err
	}
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "connect: cannot " + op + " now, try again", Temporary: true, Err: err}
}
