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

// adminPage is the index document, rendered once, and its headers.
type adminPage struct {
	index []byte
	csp   string
	dist  fs.FS
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
	origin, ok := scriptOrigin(scriptURL)
	tag := ""
	if ok && scriptURL != "" {
		tag = `<script src="` + html.EscapeString(scriptURL) + `"></script>`
	}
	index := strings.Replace(string(raw), hostScriptMarker, tag, 1)
	return &adminPage{index: []byte(index), csp: adminCSP(origin), dist: dist}, ok
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
// be framed by Atlassian sites and by the host script's origin.
func adminCSP(origin string) string {
	scripts := "'self'"
	ancestors := strings.Join(atlassianFrameAncestors, " ")
	if origin != "" {
		scripts += " " + origin
		ancestors += " " + origin
	} else {
		ancestors += " 'self'"
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scripts,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors " + ancestors,
	}, "; ")
}

// serveIndex writes the page. It holds no tenant data, so it needs no
// session: the API calls it makes do.
func (p *adminPage) serveIndex(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(p.index)
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
