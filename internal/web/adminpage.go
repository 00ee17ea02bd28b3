package web

import (
	"embed"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// The admin page's production bundle, built from /ui by `npm ci && npm run
// build` (see ui/README.md) and committed, so that building the server
// needs no Node. "all:" keeps files whose hashed names start with "_".
//
//go:embed all:ui/dist
var uiFiles embed.FS

// hostScriptMarker is where index.html takes the host's script tag.
const hostScriptMarker = "<!--mailwiki:host-script-->"

// atlassianFrameAncestors may frame the page: Confluence Cloud sites (and
// their older jira.com names). The host script's origin is added, so that
// the sandbox, which serves its own all.js, may frame it too.
var atlassianFrameAncestors = []string{"https://*.atlassian.net", "https://*.jira.com"}

// adminPage is the index document, rendered once per host, and its headers.
type adminPage struct {
	connect pageVariant
	// forge is the page for ?transport=forge, with the Forge bridge shim as
	// its host script; nil without one (in production Forge serves the
	// Custom UI bundle itself, forge/static/admin).
	forge *pageVariant
	raw   string
	dist  fs.FS
}

// pageVariant is the index document with one host script, and its CSP.
type pageVariant struct {
	index []byte
	csp   string
}

// newAdminPage reads the embedded bundle and injects the host script. A
// scriptURL that is neither an http(s) URL nor a path on this server is
// left out (the page then says to open it from Confluence); the second
// result says so.
func newAdminPage(scriptURL string) (*adminPage, bool) {
	dist, err := fs.Sub(uiFiles, "ui/dist")
	if err != nil {
		panic("web: embedded admin bundle: " + err.Error())
	}
	raw, err := fs.ReadFile(dist, "index.html")
	if err != nil || !strings.Contains(string(raw), hostScriptMarker) {
		panic("web: the embedded admin bundle has no index.html with " + hostScriptMarker + "; rebuild ui/")
	}
	p := &adminPage{raw: string(raw), dist: dist}
	var ok bool
	p.connect, ok = p.variant(scriptURL, false)
	return p, ok
}

// withForgeBridge adds the page served for ?transport=forge: the same
// bundle with bridgeURL (the sandbox's stand-in for @forge/bridge, which
// defines window.__mailwikiForgeBridge) as its host script instead of
// Connect's all.js. An empty bridgeURL adds nothing: ?transport=forge then
// gets the Connect page. A bridgeURL that is neither an http(s) URL nor a
// path on this server adds nothing either, and the result is false.
func (p *adminPage) withForgeBridge(bridgeURL string) bool {
	if bridgeURL == "" {
		return true
	}
	v, ok := p.variant(bridgeURL, true)
	if ok {
		p.forge = &v
	}
	return ok
}

// variant renders the index with scriptURL as its host script.
func (p *adminPage) variant(scriptURL string, forge bool) (pageVariant, bool) {
	origin, ok := scriptOrigin(scriptURL)
	tag := ""
	if ok && scriptURL != "" {
		tag = `<script src="` + html.EscapeString(scriptURL) + `"></script>`
	}
	index := strings.Replace(p.raw, hostScriptMarker, tag, 1)
	return pageVariant{index: []byte(index), csp: adminCSP(origin, forge)}, ok
}

// scriptOrigin returns the origin scripts are allowed from besides 'self':
// the URL's scheme and host for an absolute http(s) URL, "" for a path on
// this server or no URL. ok is false for anything else.
func scriptOrigin(s string) (origin string, ok bool) {
	if s == "" {
		return "", true
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	switch {
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil:
		return u.Scheme + "://" + u.Host, true
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
		return "", true
	}
	return "", false
}

// adminCSP is the page's Content-Security-Policy: scripts only from this
// server and the host script's origin, no inline script, API calls only to
// this server; inline styles are allowed because the host's theming
// (AP.theming) injects its design tokens as a <style> element. The page may
// be framed by Atlassian sites and by the host script's origin. For the
// Forge bridge shim (forge), the shim's origin may also be called: the
// page's API calls go through the shim, which may reach its host directly
// rather than by postMessage.
func adminCSP(origin string, forge bool) string {
	scripts, connect := "'self'", "'self'"
	ancestors := strings.Join(atlassianFrameAncestors, " ")
	if origin != "" {
		scripts += " " + origin
		ancestors += " " + origin
		if forge {
			connect += " " + origin
		}
	} else {
		ancestors += " 'self'"
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scripts,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors " + ancestors,
	}, "; ")
}

// serveIndex writes the page: with the Forge bridge shim for
// ?transport=forge when there is one, else with Connect's host script. It
// holds no tenant data, so it needs no session: the API calls it makes do.
func (p *adminPage) serveIndex(w http.ResponseWriter, r *http.Request) {
	v := &p.connect
	if p.forge != nil && r.URL.Query().Get("transport") == "forge" {
		v = p.forge
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", v.csp)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(v.index)
}

// serveAsset writes one file of assets/. Their names carry a content hash,
// so they are cached for a year.
func (p *adminPage) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := "assets/" + r.PathValue("file")
	st, err := fs.Stat(p.dist, name)
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, p.dist, name)
}
