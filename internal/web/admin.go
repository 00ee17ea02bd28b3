package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// MaxAdminBody is the largest request body the admin API reads: a
// configuration at its limits (500 addresses, 2000 sender entries) is well
// under it.
const MaxAdminBody = 1 << 20

// maxParentQuery bounds the parent picker's search text.
const maxParentQuery = 200

// AdminOptions configures the admin page and its API.
type AdminOptions struct {
	Service mailwiki.TenantAdmin
	// Authenticate verifies "Authorization: JWT …" (a Connect context
	// token) and returns the tenant it was issued for; an error → 401.
	Authenticate func(r *http.Request) (tenantID string, err error)
	// HostScriptURL is the host's AP script (Connect:
	// https://connect-cdn.atl-paas.net/all.js; the sandbox serves its own),
	// written into the page as a <script> tag and allowed by its CSP. An
	// absolute http(s) URL or a path on this server.
	HostScriptURL string
	// ForgeBridgeScriptURL is the host script of the page requested with
	// ?transport=forge: a stand-in for @forge/bridge defining
	// window.__mailwikiForgeBridge (the sandbox's <sandbox>/wiki/forge/bridge.js).
	// Empty in production, where Forge serves the Custom UI bundle itself;
	// ?transport=forge then gets the Connect page.
	ForgeBridgeScriptURL string
	Logger               *slog.Logger
}

// Admin returns the admin page and its JSON API, to mount under "/admin/":
//
//	GET /admin/                 the page (embedded bundle, host script, CSP)
//	GET /admin/assets/{file}    its scripts and styles
//	GET /admin/api/config       {"config", "mailDomains", "limits"}
//	PUT /admin/api/config       TenantConfig, addresses and senders present → {"config"} or {"error", "fields"}
//	GET /admin/api/spaces       {"spaces": [{"id","key","name"}]}
//	GET /admin/api/parents?space=KEY&q=text  {"parents": [{"id","title","type"}]}
//
// Every API call is authenticated with opts.Authenticate before anything
// else; the page itself holds no tenant data. Errors are {"error": a safe
// sentence, "fields": [{"field", "message"}]}. It panics when Service or
// Authenticate is missing.
func Admin(opts AdminOptions) http.Handler {
	if opts.Service == nil || opts.Authenticate == nil {
		panic("web: Admin needs a Service and an Authenticate function")
	}
	a := &admin{svc: opts.Service, auth: opts.Authenticate, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	page, ok := newAdminPage(opts.HostScriptURL)
	if !ok {
		a.log.Error("admin: the host script URL is not an http(s) URL or a path; the page is served without it")
	}
	if !page.withForgeBridge(opts.ForgeBridgeScriptURL) {
		a.log.Error("admin: the Forge bridge script URL is not an http(s) URL or a path; ?transport=forge gets the Connect page")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/{$}", page.serveIndex)
	mux.HandleFunc("GET /admin/assets/{file}", page.serveAsset)
	a.routes(mux)
	return mux
}

// routes registers the API calls. Another method on a known path is
// answered 405 with an Allow header (HEAD goes with GET, as ServeMux serves
// it); an unknown path 404. Both are authenticated first, like every call.
func (a *admin) routes(mux *http.ServeMux) {
	calls := []struct {
		method, path, name string
		h                  apiHandler
	}{
		{http.MethodGet, "/admin/api/config", "config", a.getConfig},
		{http.MethodPut, "/admin/api/config", "save", a.putConfig},
		{http.MethodGet, "/admin/api/spaces", "spaces", a.spaces},
		{http.MethodGet, "/admin/api/parents", "parents", a.parents},
	}
	allowed := map[string][]string{}
	for _, c := range calls {
		mux.HandleFunc(c.method+" "+c.path, a.api(c.name, c.h))
		allowed[c.path] = append(allowed[c.path], c.method)
	}
	for path, methods := range allowed {
		mux.HandleFunc(path, a.api("method", methodNotAllowed(methods)))
	}
	mux.HandleFunc("/admin/api/", a.api("unknown", func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "There is no such API call."})
	}))
}

// methodNotAllowed answers 405, naming methods in the Allow header and the
// sentence.
func methodNotAllowed(methods []string) apiHandler {
	methods = slices.Sorted(slices.Values(methods))
	allow := methods
	if slices.Contains(methods, http.MethodGet) {
		allow = slices.Sorted(slices.Values(append([]string{http.MethodHead}, methods...)))
	}
	names := methods[len(methods)-1]
	if n := len(methods); n > 1 {
		names = strings.Join(methods[:n-1], ", ") + " and " + names
	}
	msg := "This API call accepts only " + names + "."
	return func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: msg})
	}
}

type admin struct {
	svc  mailwiki.TenantAdmin
	auth func(r *http.Request) (string, error)
	log  *slog.Logger
}

// apiHandler is an API route, called with the authenticated tenant.
type apiHandler func(w http.ResponseWriter, r *http.Request, tenantID string)

const sessionRefused = "Your session has expired or this request was not signed by Confluence. Reload the page."

// api authenticates the caller before h; a refused caller gets 401 and
// nothing else happens.
func (a *admin) api(route string, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenantID, err := a.auth(r)
		if err != nil || tenantID == "" {
			a.log.Info("admin: session refused", "route", route, "err", err)
			w.Header().Set("WWW-Authenticate", `JWT realm="mailwiki"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: sessionRefused})
			return
		}
		h(w, r, tenantID)
	}
}

type limitsBody struct {
	MaxAddresses     int `json:"maxAddresses"`
	MaxSenderEntries int `json:"maxSenderEntries"`
}

// spaceBody is a space as the page's picker shows it.
type spaceBody struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

type errorBody struct {
	Error  string                `json:"error"`
	Fields []mailwiki.FieldError `json:"fields,omitempty"`
}

func (a *admin) spaces(w http.ResponseWriter, r *http.Request, tenantID string) {
	spaces, err := a.svc.Spaces(r.Context(), tenantID)
	if err != nil {
		a.fail(w, "spaces", tenantID, err, false)
		return
	}
	out := make([]spaceBody, 0, len(spaces))
	for _, s := range spaces {
		out = append(out, spaceBody{ID: s.ID, Key: s.Key, Name: s.Name})
	}
	writeJSON(w, http.StatusOK, map[string][]spaceBody{"spaces": out})
}

func (a *admin) parents(w http.ResponseWriter, r *http.Request, tenantID string) {
	space, q := r.URL.Query().Get("space"), r.URL.Query().Get("q")
	switch {
	case space == "":
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "Choose a space first: the space parameter is missing."})
		return
	case len(space) > 255 || len(q) > maxParentQuery:
		writeJSON(w, http.StatusBadRequest, errorBody{Error: fmt.Sprintf("The search is too long; use at most %d characters.", maxParentQuery)})
		return
	}
	parents, err := a.svc.Parents(r.Context(), tenantID, space, q)
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		// The tenant was found by Authenticate: what is missing is the space.
		a.log.Info("admin: request refused", "route", "parents", "tenant", tenantID,
			"status", http.StatusNotFound, "code", mailwiki.ENOTFOUND)
		writeJSON(w, http.StatusNotFound, errorBody{Error: noSpaceSentence(space)})
		return
	}
	if err != nil {
		a.fail(w, "parents", tenantID, err, false)
		return
	}
	if parents == nil {
		parents = []mailwiki.Parent{}
	}
	writeJSON(w, http.StatusOK, map[string][]mailwiki.Parent{"parents": parents})
}

// noSpaceSentence says that the space key does not exist, naming it when
// it is made of space key characters only (letters, digits, ~), so that the
// sentence is safe wherever it is shown.
func noSpaceSentence(key string) string {
	plain := strings.IndexFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '~')
	}) < 0
	if !plain {
		return "There is no such space on this site (or mailwiki cannot see it)."
	}
	return fmt.Sprintf("There is no space %s on this site (or mailwiki cannot see it).", key)
}

var unknownField = regexp.MustCompile(`unknown field "([^"]{1,100})"`)
