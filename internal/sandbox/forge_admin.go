package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// The Forge admin page host: GET /wiki/admin/forge/{installationId} shows
// the app's Custom UI (the remote's /admin/?transport=forge) in an iframe,
// as Confluence shows a confluence:globalSettings module. The page's
// host.js answers the iframe's bridge.js (window.__mailwikiForgeBridge, the
// stand-in for @forge/bridge) by calling POST …/invoke, which plays Forge's
// invokeRemote proxy.

var forgeAdminTemplate = template.Must(template.New("forge").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>{{.CSS}}</style></head><body>
<nav><a href="/wiki/">mailwiki sandbox</a> / Settings / Apps / mailwiki</nav>
<h1>{{.Title}}</h1>
<iframe id="forge-frame" title="{{.Title}}" src="{{.Src}}" data-endpoint="{{.Endpoint}}"></iframe>
<script src="/wiki/forge/host.js"></script>
</body></html>
`))

const forgeAdminCSS = pageCSS + "#forge-frame{display:block;width:100%;height:800px;border:0}\n"

// htmlForgeAdminPage serves the page hosting an installation's Custom UI.
func (s *Sandbox) htmlForgeAdminPage(w http.ResponseWriter, r *http.Request) {
	in, err := s.installedForge(r.PathValue("installationId"))
	if err != nil {
		s.htmlNotFound(w, "App page")
		return
	}
	remote, _ := url.Parse(in.RemoteBaseURL)
	sum := sha256.Sum256([]byte(forgeAdminCSS))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; frame-src "+
		remote.Scheme+"://"+remote.Host+"; img-src 'self' http: https:; style-src 'sha256-"+
		base64.StdEncoding.EncodeToString(sum[:])+"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_ = forgeAdminTemplate.Execute(w, map[string]any{
		"Title": "mailwiki – Settings", "CSS": template.CSS(forgeAdminCSS),
		"Src":      template.URL(in.RemoteBaseURL + "/admin/?transport=forge"), //nolint:gosec // the remote's http(s) baseUrl
		"Endpoint": r.URL.Path,
	})
}

// invokeInput is what invokeRemote takes.
type invokeInput struct {
	Path    string            `json:"path"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

const maxInvokePayload = 500 << 10

func (in *invokeInput) check() error {
	switch in.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return invalid("invokeRemote: method must be GET, POST, PUT, PATCH or DELETE")
	}
	if !strings.HasPrefix(in.Path, "/") || strings.HasPrefix(in.Path, "//") || strings.Contains(in.Path, "..") ||
		strings.ContainsAny(in.Path, "#\\ ") {
		return invalid("invokeRemote: path must be an absolute path on the remote, such as /api/config")
	}
	for k := range in.Headers {
		lk := strings.ToLower(k)
		if lk == "authorization" || lk == "host" || lk == "content-length" || strings.HasPrefix(lk, "x-forge-") || strings.HasPrefix(lk, "x-b3-") {
			return invalid("invokeRemote: the header %s is Forge's to set", k)
		}
	}
	body := strings.TrimSpace(string(in.Body))
	if body == "" || body == "null" {
		in.Body = nil
		return nil
	}
	if len(body) > maxInvokePayload {
		return tooLarge("invokeRemote: the payload is over 500 KB")
	}
	if body[0] != '{' {
		return invalid("invokeRemote: body must be a JSON object")
	}
	return nil
}

// forgeInvoke serves POST /wiki/admin/forge/{installationId}/invoke (from
// the sandbox's own page only, see sameOriginCall): invokeRemote as the
// site administrator. It calls {remoteBaseUrl}{path} with a UI FIT
// (context and principal), the system and the user token, 25 s at most,
// and answers 200 {status, headers (lower-case names, arrays), body
// (parsed JSON, else text, null when empty)} for any answer the contract
// allows: 2xx, or another status with a JSON body. 3xx, a non-2xx without
// a JSON body, no answer or one over 5 MB are a 502, a timeout a 504, each
// with a message saying so (v1 body).
func (s *Sandbox) forgeInvoke(w http.ResponseWriter, r *http.Request) {
	if !sameOriginCall(w, r) {
		return
	}
	in, err := s.installedForge(r.PathValue("installationId"))
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	var input invokeInput
	if err := decodeJSON(w, r, &input); err != nil {
		s.writeError(w, v1, err)
		return
	}
	if err := input.check(); err != nil {
		s.writeError(w, v1, err)
		return
	}
	origin := siteOrigin(r)
	ui := &fitContext{LocalID: newClientKey(), CloudID: s.CloudID(), ModuleKey: forgeSettingsModule,
		SiteURL: origin, Extension: fitExtension{Type: "confluence:globalSettings"}}
	a, err := s.deliver(r.Context(), forgeCall{in: in, origin: origin, method: input.Method, path: input.Path,
		body: input.Body, header: input.Headers, module: fitModule{Type: "xen:macro", Key: forgeUIKey},
		ui: ui, principal: siteAdmin(), timeout: forgeUITimeout})
	switch {
	case errors.Is(err, errRemoteTimeout):
		writeStatus(w, v1, http.StatusGatewayTimeout, "invokeRemote: the remote did not answer within 25 s", nil)
		return
	case err != nil:
		s.log.Info("sandbox: invokeRemote failed", "installation", in.ID, "err", err)
		writeStatus(w, v1, http.StatusBadGateway, "invokeRemote: the remote could not be reached or its answer read", nil)
		return
	}
	if problem := contractProblem(a); problem != "" {
		writeStatus(w, v1, http.StatusBadGateway, "invokeRemote: "+problem, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": a.status, "headers": lowerHeaders(a.header), "body": answerBody(a)})
}

// contractProblem says how an answer breaks the invokeRemote contract, or "".
func contractProblem(a forgeAnswer) string {
	if a.status >= 300 && a.status <= 399 {
		return "the remote answered a redirect, which is an error for invokeRemote"
	}
	if a.ok() {
		return ""
	}
	if ct := a.header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return "the remote's error answer has a content-type other than application/json"
		}
	}
	if len(a.body) == 0 || !json.Valid(a.body) {
		return "the remote's error answer has no JSON body"
	}
	return ""
}

func lowerHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

func answerBody(a forgeAnswer) any {
	if len(a.body) == 0 {
		return nil
	}
	if json.Valid(a.body) {
		return json.RawMessage(a.body)
	}
	return string(a.body)
}
