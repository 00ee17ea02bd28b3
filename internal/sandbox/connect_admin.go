package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The admin page host: GET /wiki/plugins/servlet/ac/{appKey}/{moduleKey}
// shows an app's adminPages module in an iframe, as Confluence does, with
// host.js relaying the requests of the app's all.js (AP) to the token and
// request endpoints below, which act as the site administrator.

var adminPageTemplate = template.Must(template.New("ac").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>{{.CSS}}</style></head><body>
<nav><a href="/wiki/">mailwiki sandbox</a> / Apps / {{.AppName}}</nav>
<h1>{{.Title}}</h1>
<iframe id="ac-frame" title="{{.Title}}" src="{{.Src}}" data-endpoint="{{.Endpoint}}"></iframe>
<script src="/wiki/atlassian-connect/host.js"></script>
</body></html>
`))

// adminPageCSS styles the host page. The iframe's size is set here, not in a
// style attribute, which the page's CSP (a hash of this sheet) would block;
// host.js then sizes it through the CSSOM, which CSP allows.
const adminPageCSS = pageCSS + "#ac-frame{display:block;width:100%;height:600px;border:0}\n"

// htmlAdminPage serves the page that hosts an app's admin page module.
func (s *Sandbox) htmlAdminPage(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(r.PathValue("appKey"))
	mod, found := app.adminPage(r.PathValue("moduleKey"))
	if !ok || !found {
		s.htmlNotFound(w, "App page")
		return
	}
	src, err := s.iframeURL(app, mod, r)
	if err != nil {
		s.writeHTML(w, http.StatusInternalServerError, htmlView{Title: "The app page cannot be shown"})
		s.log.Error("sandbox: admin page iframe", "app", app.Key, "err", err)
		return
	}
	appURL, _ := url.Parse(app.BaseURL)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", adminPageCSP(appURL.Scheme+"://"+appURL.Host))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	name := app.Name
	if name == "" {
		name = app.Key
	}
	_ = adminPageTemplate.Execute(w, map[string]any{
		"Title": "mailwiki – Settings", "CSS": template.CSS(adminPageCSS), "AppName": name,
		"Src":      template.URL(src), //nolint:gosec // built from the app's http(s) baseUrl
		"Endpoint": r.URL.Path,
	})
}

func adminPageCSP(appOrigin string) string {
	sum := sha256.Sum256([]byte(adminPageCSS))
	return "default-src 'none'; script-src 'self'; connect-src 'self'; frame-src " + appOrigin +
		"; img-src 'self' http: https:; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// siteOrigin is scheme://host of the site as the caller reached it.
func siteOrigin(r *http.Request) string {
	return strings.TrimSuffix(siteBase(r), "/wiki")
}

// iframeURL is {baseUrl}{module url}?…&xdm_e&cp&lic&cv&jwt, the jwt signed
// for the administrator with the qsh of this GET (without jwt), relative to
// the app's baseUrl.
func (s *Sandbox) iframeURL(app connectApp, mod connectModule, r *http.Request) (string, error) {
	u, err := url.Parse(app.BaseURL + mod.URL)
	if err != nil {
		return "", err
	}
	base, _ := url.Parse(app.BaseURL)
	q := u.Query()
	q.Set("xdm_e", siteOrigin(r))
	q.Set("cp", "/wiki")
	q.Set("lic", "none")
	q.Set("cv", "1.0.0")
	token, err := s.signForApp(app, siteAdmin(), qshOf(http.MethodGet, relativePath(u.EscapedPath(), base.EscapedPath()), q))
	if err != nil {
		return "", err
	}
	q.Set("jwt", token)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// sameOriginCall checks that a call to the token and request endpoints
// comes from the sandbox's own page: the custom header forces a CORS
// preflight (which the sandbox never grants) on any other origin, and an
// Origin, when sent, must be the site's.
func sameOriginCall(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if r.Header.Get("X-Mailwiki-Sandbox") != "1" || (origin != "" && origin != siteOrigin(r)) {
		writeStatus(w, v1, http.StatusForbidden, "Only the sandbox's own pages may call this endpoint", nil)
		return false
	}
	return true
}

// adminPageToken serves POST …/token: {"token"}, a context JWT for the
// administrator (AP.context.getToken).
func (s *Sandbox) adminPageToken(w http.ResponseWriter, r *http.Request) {
	if !sameOriginCall(w, r) {
		return
	}
	app, ok := s.app(r.PathValue("appKey"))
	if !ok {
		writeStatus(w, v1, http.StatusNotFound, "No app installed with that key", nil)
		return
	}
	token, err := s.signForApp(app, siteAdmin(), contextQSH)
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

// apRequest is what AP.request relays.
type apRequest struct {
	URL         string `json:"url"`
	Type        string `json:"type"`
	Data        string `json:"data"`
	ContentType string `json:"contentType"`
}

// adminPageRequest serves POST …/request: performs an AP.request on the
// site's REST API as the administrator and answers {status, contentType,
// body}.
func (s *Sandbox) adminPageRequest(w http.ResponseWriter, r *http.Request) {
	if !sameOriginCall(w, r) {
		return
	}
	if _, ok := s.app(r.PathValue("appKey")); !ok {
		writeStatus(w, v1, http.StatusNotFound, "No app installed with that key", nil)
		return
	}
	var in apRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, v1, err)
		return
	}
	rec, err := s.asAdmin(r, in)
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": rec.status,
		"contentType": rec.header.Get("Content-Type"), "body": rec.body.String()})
}

// asAdmin runs an AP.request through the router with the administrator's
// credentials. Only REST paths relative to /wiki are allowed.
func (s *Sandbox) asAdmin(r *http.Request, in apRequest) (*recorder, error) {
	p := strings.TrimPrefix(in.URL, "/wiki")
	if !strings.HasPrefix(p, "/rest/") && !strings.HasPrefix(p, "/api/") || strings.Contains(p, "..") {
		return nil, invalid("AP.request wants a REST URL relative to the site, such as /rest/api/space")
	}
	method := strings.ToUpper(in.Type)
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(r.Context(), method, "/wiki"+p, strings.NewReader(in.Data))
	if err != nil {
		return nil, invalid("AP.request: %v", err)
	}
	req.Host = r.Host
	s.mu.Lock()
	token, ok := s.creds.users[strings.ToLower(DemoUser)]
	s.mu.Unlock()
	if !ok {
		return nil, invalid("The site administrator %s is not set up", DemoUser)
	}
	req.SetBasicAuth(DemoUser, token)
	if in.ContentType != "" {
		req.Header.Set("Content-Type", in.ContentType)
	}
	req.Header.Set("X-Atlassian-Token", "no-check")
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.mux.ServeHTTP(rec, req)
	return rec, nil
}

// recorder is a minimal in-memory http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.header }

func (c *recorder) WriteHeader(status int) {
	if !c.wrote {
		c.status, c.wrote = status, true
	}
}

func (c *recorder) Write(b []byte) (int, error) {
	c.wrote = true
	return c.body.Write(b)
}

// serveScript serves one of the Connect scripts.
func serveScript(src string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-cache")
		_, _ = io.WriteString(w, src)
	}
}
