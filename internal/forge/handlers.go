package forge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// Registry keeps the installations of the app. Both methods are called only
// for an invocation whose token verified.
type Registry interface {
	// Install inserts or updates the registration with r.ID, an
	// idempotent upsert: it keeps the token that lasts longer, and a
	// registration without a token (Secret nil) keeps the held one.
	Install(ctx context.Context, r mailwiki.Registration) error
	// Uninstall forgets the installation and everything held for it; an
	// unknown id is not an error.
	Uninstall(ctx context.Context, installationID string) error
}

// The paths Handler serves, relative to the remote's baseUrl; manifest.yml
// names them in its endpoint modules' route.path.
const (
	LifecyclePath    = "/forge/lifecycle"
	TickPath         = "/forge/tick"
	PreUninstallPath = "/forge/pre-uninstall"
)

// uninstallTimeout bounds an asynchronous uninstall.
const uninstallTimeout = 5 * time.Minute

// maxEventBytes: the part of a lifecycle body read (for its eventType).
const maxEventBytes = 64 << 10

// Handler serves, relative to the remote's baseUrl (mount it with
// http.StripPrefix when that has a path), POST only:
//
//	/forge/lifecycle      avi:forge:installed:app and avi:forge:upgraded:app
//	/forge/tick           the hourly scheduled trigger
//	/forge/pre-uninstall  the preUninstall module
//
// Each verifies the invocation token first: a refusal is 401 with a JSON
// {"error": …} and nothing stored. Every non-2xx answer has a JSON body,
// and there is never a 3xx (Forge's contract for remote responses): paths
// are matched exactly, without ServeMux's redirects.
func (f *Forge) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var serve http.HandlerFunc
		switch r.URL.Path {
		case LifecyclePath:
			serve = f.serveLifecycle
		case TickPath:
			serve = f.serveTick
		case PreUninstallPath:
			serve = f.servePreUninstall
		default:
			refusal.WriteError(w, http.StatusNotFound, "not found")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			refusal.WriteError(w, http.StatusMethodNotAllowed, "method not allowed: use POST")
			return
		}
		serve(w, r)
	})
}

// serveLifecycle registers (or refreshes) the installation an installed or
// upgraded event is for. Identity comes from the token, never the body,
// whose eventType (at the top level or under "payload", optional) is only
// logged. 204 on success.
func (f *Forge) serveLifecycle(w http.ResponseWriter, r *http.Request) {
	inv, err := f.verifyBackend(r)
	if err != nil {
		f.refuse(w, r, "lifecycle", err)
		return
	}
	event := eventType(r.Body)
	if err := f.install(r.Context(), inv); err != nil {
		f.fail(w, r, "lifecycle", err)
		return
	}
	f.log.InfoContext(r.Context(), "forge: lifecycle event", "event", event, "invocation", inv)
	w.WriteHeader(http.StatusNoContent)
}

// serveTick refreshes the installation's registration with the fresh
// system token the hourly trigger carries. 204 on success.
func (f *Forge) serveTick(w http.ResponseWriter, r *http.Request) {
	inv, err := f.verifyBackend(r)
	if err != nil {
		f.refuse(w, r, "tick", err)
		return
	}
	if err := f.install(r.Context(), inv); err != nil {
		f.fail(w, r, "tick", err)
		return
	}
	if inv.SystemToken == "" {
		f.log.WarnContext(r.Context(), "forge: tick without a usable system token", "invocation", inv)
	}
	f.log.DebugContext(r.Context(), "forge: tick", "invocation", inv)
	w.WriteHeader(http.StatusNoContent)
}

// servePreUninstall acknowledges at once (202) and forgets the
// installation asynchronously: preUninstall allows 55 s and does not wait
// for the outcome, while deleting a tenant may take longer. The uninstall
// runs with a context that outlives the request (uninstallTimeout); its
// outcome is logged. See Wait.
func (f *Forge) servePreUninstall(w http.ResponseWriter, r *http.Request) {
	inv, err := f.verifyBackend(r)
	if err != nil {
		f.refuse(w, r, "pre-uninstall", err)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	f.pending.Go(func() { f.uninstall(ctx, inv) })
	w.WriteHeader(http.StatusAccepted)
}

// verifyBackend verifies the invocation token of a backend call: a
// lifecycle event, the scheduled trigger or preUninstall. Those come from
// endpoint modules (app.module.type core:endpoint) with no user and no UI
// context; a token minted for the admin page's invokeRemote, which anyone
// with the page open can send anywhere, is refused here.
func (f *Forge) verifyBackend(r *http.Request) (Invocation, error) {
	inv, err := f.Verify(r)
	if err != nil {
		return inv, err
	}
	if inv.Principal != "" || inv.UICall || inv.ModuleType != "core:endpoint" {
		return Invocation{}, mailwiki.Errorf(mailwiki.EUNAUTHORIZED, "forge invocation token refused: a call from the admin page cannot deliver lifecycle events, triggers or preUninstall")
	}
	return inv, nil
}

func (f *Forge) uninstall(ctx context.Context, inv Invocation) {
	ctx, cancel := context.WithTimeout(ctx, uninstallTimeout)
	defer cancel()
	if err := f.registry.Uninstall(ctx, inv.InstallationID); err != nil {
		f.log.ErrorContext(ctx, "forge: uninstall failed", "invocation", inv, "code", mailwiki.ErrorCode(err), "err", err.Error())
		return
	}
	f.log.InfoContext(ctx, "forge: uninstalled", "invocation", inv)
}

// Authenticate authenticates a call from the admin page, the Custom UI in
// Confluence's global settings calling mailwiki's /admin/api/... through
// invokeRemote, which adds the invocation token and the product tokens.
// The token must verify (see Verify) and name a principal, the user; the
// installation's registration is then upserted with the forwarded system
// token, as a tick does, so that using the admin page keeps the token
// fresh too. It returns the installation id, the tenant id. Whether the
// principal is a site administrator is not checked here: the module's
// place in Confluence's global settings decides who is shown the page,
// not who may call the remote. Refusals are EUNAUTHORIZED
// *mailwiki.Error; a Registry failure is a temporary EUNAVAILABLE one
// (unless it is a *mailwiki.Error of its own).
func (f *Forge) Authenticate(r *http.Request) (tenantID string, err error) {
	inv, err := f.Verify(r)
	if err != nil {
		return "", err
	}
	if inv.Principal == "" {
		return "", refused("no user (principal): not a call from the admin page", nil)
	}
	if err := f.install(r.Context(), inv); err != nil {
		return "", err
	}
	return inv.InstallationID, nil
}

// install upserts the registration of a verified invocation.
func (f *Forge) install(ctx context.Context, inv Invocation) error {
	if err := f.registry.Install(ctx, f.registration(inv)); err != nil {
		return registryError("register the installation", err)
	}
	return nil
}

// registration is the Registration of a verified invocation: the tenant
// is the installation, its Confluence under the API base URL; the secret
// its system token, nil when none was forwarded.
func (f *Forge) registration(inv Invocation) mailwiki.Registration {
	var secret []byte
	if inv.SystemToken != "" {
		secret = []byte(inv.SystemToken)
	}
	return mailwiki.Registration{
		Tenant: mailwiki.Tenant{
			ID:                inv.InstallationID,
			Mode:              mailwiki.ModeForge,
			BaseURL:           inv.APIBaseURL + "/wiki",
			Flavor:            mailwiki.FlavorCloud,
			AllowInsecureHTTP: f.allowInsecure && strings.HasPrefix(inv.APIBaseURL, "http://"),
		},
		AppKey:          inv.AppID,
		CloudID:         inv.CloudID,
		Secret:          secret,
		SecretExpiresAt: inv.SystemTokenExpiry,
	}
}

// registryError keeps a registry's *mailwiki.Error and makes anything else
// a temporary EUNAVAILABLE one.
func registryError(op string, err error) error {
	var e *mailwiki.Error
	if errors.As(err, &e) {
		return err
	}
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Message: "forge: cannot " + op + " now, try again", Temporary: true, Err: err}
}

// eventPattern is what a logged eventType may look like.
var eventPattern = regexp.MustCompile(`^[a-z][a-z0-9:._-]{0,63}$`)

// eventType returns the eventType of a lifecycle body, at its top level or
// under "payload"; "" when there is none, and "other" for one that does
// not look like an event type. The body is read leniently: anything that
// is not such JSON has no eventType.
func eventType(body io.Reader) string {
	var ev struct {
		EventType string `json:"eventType"`
		Payload   *struct {
			EventType string `json:"eventType"`
		} `json:"payload"`
	}
	b, err := io.ReadAll(io.LimitReader(body, maxEventBytes))
	if err != nil || json.Unmarshal(b, &ev) != nil {
		return ""
	}
	t := ev.EventType
	if t == "" && ev.Payload != nil {
		t = ev.Payload.EventType
	}
	if t != "" && !eventPattern.MatchString(t) {
		return "other"
	}
	return t
}
