package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/web"
)

// fakeAdmin is a TenantAdmin that records its calls and answers err when set.
type fakeAdmin struct {
	mu      sync.Mutex
	calls   []string // "Config tenant", "SaveConfig tenant", "Parents tenant DOCS q"
	cfg     mailwiki.TenantConfig
	domains []string
	spaces  []mailwiki.Space
	parents []mailwiki.Parent
	err     error
}

func (f *fakeAdmin) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

func (f *fakeAdmin) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeAdmin) Config(ctx context.Context, tenantID string) (mailwiki.TenantConfig, []string, error) {
	if err := f.record("Config " + tenantID); err != nil {
		return mailwiki.TenantConfig{}, nil, err
	}
	return f.cfg, f.domains, nil
}

func (f *fakeAdmin) SaveConfig(ctx context.Context, tenantID string, cfg mailwiki.TenantConfig) (mailwiki.TenantConfig, error) {
	if err := f.record("SaveConfig " + tenantID); err != nil {
		return mailwiki.TenantConfig{}, err
	}
	cfg.Normalize()
	f.mu.Lock()
	f.cfg = cfg
	f.mu.Unlock()
	return cfg, nil
}

func (f *fakeAdmin) Spaces(ctx context.Context, tenantID string) ([]mailwiki.Space, error) {
	if err := f.record("Spaces " + tenantID); err != nil {
		return nil, err
	}
	return f.spaces, nil
}

func (f *fakeAdmin) Parents(ctx context.Context, tenantID, spaceKey, query string) ([]mailwiki.Parent, error) {
	if err := f.record(fmt.Sprintf("Parents %s %s %s", tenantID, spaceKey, query)); err != nil {
		return nil, err
	}
	return f.parents, nil
}

const hostScript = "https://connect-cdn.atl-paas.net/all.js"

type adminBundle struct {
	srv  *httptest.Server
	fake *fakeAdmin
}

// setupAdmin serves Admin under /admin/ as the application mounts it. The
// token "good" authenticates as tenant "t1"; anything else is refused.
func setupAdmin(t *testing.T) *adminBundle {
	t.Helper()
	fake := &fakeAdmin{
		cfg: mailwiki.TenantConfig{
			Addresses: []mailwiki.AddressConfig{{Address: "docs@mail.example.com", SpaceKey: "DOCS", ContentType: mailwiki.ContentPage, TitleFormat: "{subject}"}},
			Senders:   mailwiki.SenderList{Mode: mailwiki.SendersEveryone},
		},
		domains: []string{"mail.example.com"},
		spaces:  []mailwiki.Space{{ID: "1", Key: "DOCS", Name: "Documentation"}},
		parents: []mailwiki.Parent{{ID: "42", Title: "Inbox", Type: mailwiki.ParentFolder}},
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", web.Admin(web.AdminOptions{
		Service: fake,
		Authenticate: func(r *http.Request) (string, error) {
			if r.Header.Get("Authorization") == "JWT good" {
				return "t1", nil
			}
			return "", errors.New("bad signature")
		},
		HostScriptURL: hostScript,
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &adminBundle{srv: srv, fake: fake}
}

// call sends a request with the token and decodes a JSON answer into out.
func (b *adminBundle) call(t *testing.T, method, path, token string, body io.Reader, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "JWT "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(path, "/admin/api/") && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp
}

type apiError struct {
	Error  string                `json:"error"`
	Fields []mailwiki.FieldError `json:"fields"`
}

func TestAdminGetConfig(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	var got struct {
		Config      mailwiki.TenantConfig `json:"config"`
		MailDomains []string              `json:"mailDomains"`
		Limits      map[string]int        `json:"limits"`
	}
	resp := b.call(t, "GET", "/admin/api/config", "good", nil, &got)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(got.Config.Addresses) != 1 || got.Config.Addresses[0].SpaceKey != "DOCS" {
		t.Errorf("config = %+v", got.Config)
	}
	if got.Config.Senders.Entries == nil {
		t.Error("senders.entries is null, want []")
	}
	if got.Config.Spam.Action != mailwiki.SpamRefuse {
		t.Errorf("spam.action = %q with none stored, want the default %q", got.Config.Spam.Action, mailwiki.SpamRefuse)
	}
	if len(got.MailDomains) != 1 || got.MailDomains[0] != "mail.example.com" {
		t.Errorf("mailDomains = %v", got.MailDomains)
	}
	if got.Limits["maxAddresses"] != mailwiki.MaxAddresses || got.Limits["maxSenderEntries"] != mailwiki.MaxSenderEntries {
		t.Errorf("limits = %v", got.Limits)
	}
	if c := b.fake.Calls(); len(c) != 1 || c[0] != "Config t1" {
		t.Errorf("calls = %v", c)
	}
}

func TestAdminPutConfig(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	body := `{"addresses":[{"address":"News@mail.example.com","spaceKey":"DOCS","contentType":"blogpost"}],"senders":{"mode":"secure","entries":["@example.com"]},"spam":{"action":"mark"}}`
	var got struct {
		Config mailwiki.TenantConfig `json:"config"`
	}
	resp := b.call(t, "PUT", "/admin/api/config", "good", strings.NewReader(body), &got)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if a := got.Config.Addresses; len(a) != 1 || a[0].Address != "news@mail.example.com" || a[0].TitleFormat != "{subject}" {
		t.Errorf("saved = %+v", got.Config)
	}
	if got.Config.Spam.Action != mailwiki.SpamMark {
		t.Errorf("saved spam.action = %q, want %q", got.Config.Spam.Action, mailwiki.SpamMark)
	}
	if c := b.fake.Calls(); len(c) != 1 || c[0] != "SaveConfig t1" {
		t.Errorf("calls = %v", c)
	}
}

// TestAdminPutWithoutSpamKeepsIt: a save from a page older than the spam
// setting (no "spam" part) keeps the stored action rather than resetting it.
func TestAdminPutWithoutSpamKeepsIt(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	b.fake.cfg.Spam.Action = mailwiki.SpamMark
	var got struct {
		Config mailwiki.TenantConfig `json:"config"`
	}
	resp := b.call(t, "PUT", "/admin/api/config", "good", strings.NewReader(`{"addresses":[],"senders":{"mode":"everyone","entries":[]}}`), &got)
	if resp.StatusCode != 200 || got.Config.Spam.Action != mailwiki.SpamMark {
		t.Fatalf("got %d, spam.action %q; want 200 and the stored %q", resp.StatusCode, got.Config.Spam.Action, mailwiki.SpamMark)
	}
	if c := b.fake.Calls(); strings.Join(c, "|") != "Config t1|SaveConfig t1" {
		t.Errorf("calls = %v, want the stored configuration read, then the save", c)
	}
}

func TestAdminSpacesAndParents(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	var spaces map[string][]map[string]string
	if resp := b.call(t, "GET", "/admin/api/spaces", "good", nil, &spaces); resp.StatusCode != 200 {
		t.Fatalf("spaces: status %d", resp.StatusCode)
	}
	if s := spaces["spaces"]; len(s) != 1 || s[0]["id"] != "1" || s[0]["key"] != "DOCS" || s[0]["name"] != "Documentation" {
		t.Errorf("spaces = %v", spaces)
	}
	var parents map[string][]mailwiki.Parent
	if resp := b.call(t, "GET", "/admin/api/parents?space=DOCS&q=In+box", "good", nil, &parents); resp.StatusCode != 200 {
		t.Fatalf("parents: status %d", resp.StatusCode)
	}
	if p := parents["parents"]; len(p) != 1 || p[0] != (mailwiki.Parent{ID: "42", Title: "Inbox", Type: "folder"}) {
		t.Errorf("parents = %v", parents)
	}
	var e apiError
	if resp := b.call(t, "GET", "/admin/api/parents?q=x", "good", nil, &e); resp.StatusCode != 400 || e.Error == "" {
		t.Errorf("parents without space: %d %+v", resp.StatusCode, e)
	}
	want := []string{"Spaces t1", "Parents t1 DOCS In box"}
	if c := b.fake.Calls(); strings.Join(c, "|") != strings.Join(want, "|") {
		t.Errorf("calls = %v, want %v", c, want)
	}
}

func TestAdminRefusesUnauthenticated(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	routes := []struct{ method, path, body string }{
		{"GET", "/admin/api/config", ""},
		{"PUT", "/admin/api/config", `{"addresses":[],"senders":{"mode":"everyone","entries":[]}}`},
		{"GET", "/admin/api/spaces", ""},
		{"GET", "/admin/api/parents?space=DOCS", ""},
		{"GET", "/admin/api/nothing", ""},
		{"POST", "/admin/api/config", ""},
	}
	for _, token := range []string{"", "forged"} {
		for _, r := range routes {
			var e apiError
			resp := b.call(t, r.method, r.path, token, strings.NewReader(r.body), &e)
			if resp.StatusCode != 401 || !strings.Contains(e.Error, "Reload the page") {
				t.Errorf("%s %s with %q: %d %+v", r.method, r.path, token, resp.StatusCode, e)
			}
		}
	}
	if c := b.fake.Calls(); len(c) != 0 {
		t.Errorf("the service was called for a refused session: %v", c)
	}
}

func TestAdminSaveErrors(t *testing.T) {
	t.Parallel()
	fields := []mailwiki.FieldError{
		{Field: "addresses[2].spaceKey", Message: "choose the space this address publishes to"},
		{Field: "senders.entries[0]", Message: `"x" is not a sender entry`},
	}
	invalid := (&mailwiki.ValidationError{Fields: fields}).AsError()
	conflict := &mailwiki.Error{Code: mailwiki.ECONFLICT, Message: "docs@mail.example.com is used by another site",
		Err: &mailwiki.ValidationError{Fields: fields[:1]}}
	tests := []struct {
		name       string
		err        error
		status     int
		wantError  string // a part of the sentence
		wantFields int
	}{
		{"invalid", fmt.Errorf("admin: save: %w", invalid), 400, "2 problems", 2},
		{"invalid without fields", mailwiki.Errorf(mailwiki.EINVALID, "space DOCS does not exist"), 400, "space DOCS does not exist", 0},
		{"conflict", fmt.Errorf("tenant: %w", conflict), 409, "An address is already taken", 1},
		{"conflict without fields", mailwiki.Errorf(mailwiki.ECONFLICT, "docs@mail.example.com is used by another site"), 409, "used by another site", 0},
		{"unauthorized", mailwiki.Errorf(mailwiki.EUNAUTHORIZED, "Confluence refused the app's credentials"), 401, "refused", 0},
		{"not found", mailwiki.Errorf(mailwiki.ENOTFOUND, "the site is not installed"), 404, "not installed", 0},
		{"unavailable", mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "confluence: 503"), 502, "nothing was saved, try again", 0},
		{"rate limited", &mailwiki.Error{Code: mailwiki.ERATELIMIT, Temporary: true, RetryAfter: 3 * time.Second}, 502, "could not be reached", 0},
		{"other temporary", mailwiki.TempErrorf(mailwiki.EINTERNAL, "lock held"), 502, "could not be reached", 0},
		{"internal", errors.New("database at /var/lib/secret exploded"), 500, "went wrong", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupAdmin(t)
			b.fake.err = tt.err
			var e apiError
			resp := b.call(t, "PUT", "/admin/api/config", "good", strings.NewReader(`{"addresses":[],"senders":{"mode":"everyone","entries":[]},"spam":{"action":"refuse"}}`), &e)
			if resp.StatusCode != tt.status || !strings.Contains(e.Error, tt.wantError) || len(e.Fields) != tt.wantFields {
				t.Errorf("got %d %+v, want %d with %q and %d fields", resp.StatusCode, e, tt.status, tt.wantError, tt.wantFields)
			}
			if strings.Contains(e.Error, "secret") || strings.Contains(e.Error, "503") {
				t.Errorf("internal detail shown: %q", e.Error)
			}
			if tt.wantFields > 0 && e.Fields[0] != fields[0] {
				t.Errorf("fields[0] = %+v", e.Fields[0])
			}
		})
	}
}

func TestAdminReadErrors(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	b.fake.err = mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "confluence: dial tcp")
	for _, path := range []string{"/admin/api/config", "/admin/api/spaces", "/admin/api/parents?space=DOCS"} {
		var e apiError
		resp := b.call(t, "GET", path, "good", nil, &e)
		if resp.StatusCode != 502 || !strings.Contains(e.Error, "could not be reached") || strings.Contains(e.Error, "saved") {
			t.Errorf("%s: %d %+v", path, resp.StatusCode, e)
		}
	}
}

func TestAdminRefusesBadBodies(t *testing.T) {
	t.Parallel()
	big := `{"addresses":[],"senders":{"mode":"everyone","entries":["` + strings.Repeat("a", web.MaxAdminBody) + `"]}}`
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"oversize", big, 413, "larger than 1 MiB"},
		{"unknown field", `{"addresses":[],"senders":{"mode":"everyone","entries":[]},"admin":true}`, 400, `unknown field "admin"`},
		{"unknown nested field", `{"addresses":[{"address":"a@b.example","spaceKey":"D","colour":"red"}]}`, 400, `unknown field "colour"`},
		{"not json", `{"addresses":`, 400, "not valid JSON"},
		{"empty", ``, 400, "no configuration"},
		{"two objects", `{} {}`, 400, "one JSON object"},
		{"wrong type", `{"addresses":"docs"}`, 400, "wrong type"},
		{"array", `[]`, 400, "is JSON but not a JSON object"},
		{"number", `42`, 400, "is JSON but not a JSON object"},
		{"string", `"x"`, 400, "is JSON but not a JSON object"},
		// A save replaces the whole configuration: a part left out must not
		// erase every address.
		{"null", `null`, 400, "carries no configuration"},
		{"empty object", `{}`, 400, "carries no configuration"},
		{"null parts", `{"addresses":null,"senders":null}`, 400, "carries no configuration"},
		{"no senders", `{"addresses":[]}`, 400, "carries no configuration"},
		{"no addresses", `{"senders":{"mode":"everyone","entries":[]}}`, 400, "carries no configuration"},
		{"null addresses", `{"addresses":null,"senders":{"mode":"everyone","entries":[]}}`, 400, "carries no configuration"},
		{"empty senders", `{"addresses":[],"senders":{}}`, 400, "no mode or no entries"},
		{"null entries", `{"addresses":[],"senders":{"mode":"everyone","entries":null}}`, 400, "no mode or no entries"},
		{"null mode", `{"addresses":[],"senders":{"mode":null,"entries":[]}}`, 400, "no mode or no entries"},
		{"unknown senders field", `{"addresses":[],"senders":{"mode":"everyone","entries":[],"list":[]}}`, 400, `unknown field "list"`},
		{"empty spam", `{"addresses":[],"senders":{"mode":"everyone","entries":[]},"spam":{}}`, 400, "spam setting carries no action"},
		{"null spam action", `{"addresses":[],"senders":{"mode":"everyone","entries":[]},"spam":{"action":null}}`, 400, "spam setting carries no action"},
		{"unknown spam field", `{"addresses":[],"senders":{"mode":"everyone","entries":[]},"spam":{"action":"mark","score":5}}`, 400, `unknown field "score"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupAdmin(t)
			var e apiError
			resp := b.call(t, "PUT", "/admin/api/config", "good", bytes.NewReader([]byte(tt.body)), &e)
			if resp.StatusCode != tt.status || !strings.Contains(e.Error, tt.want) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, e.Error, tt.status, tt.want)
			}
			if c := b.fake.Calls(); len(c) != 0 {
				t.Errorf("the service was called: %v", c)
			}
		})
	}
}

func TestAdminPutEmptyConfig(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	var got struct {
		Config mailwiki.TenantConfig `json:"config"`
	}
	resp := b.call(t, "PUT", "/admin/api/config", "good", strings.NewReader(`{"addresses":[],"senders":{"mode":"everyone","entries":[]},"spam":{"action":"refuse"}}`), &got)
	if resp.StatusCode != 200 || got.Config.Addresses == nil || len(got.Config.Addresses) != 0 {
		t.Fatalf("an explicit empty configuration: %d %+v", resp.StatusCode, got.Config)
	}
	if c := b.fake.Calls(); len(c) != 1 || c[0] != "SaveConfig t1" {
		t.Errorf("calls = %v", c)
	}
}

func TestAdminMethodNotAllowed(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	tests := []struct{ method, path, allow, want string }{
		{"POST", "/admin/api/config", "GET, HEAD, PUT", "accepts only GET and PUT."},
		{"DELETE", "/admin/api/config", "GET, HEAD, PUT", "accepts only GET and PUT."},
		{"PATCH", "/admin/api/config", "GET, HEAD, PUT", "accepts only GET and PUT."},
		{"PUT", "/admin/api/spaces", "GET, HEAD", "accepts only GET."},
		{"POST", "/admin/api/parents?space=DOCS", "GET, HEAD", "accepts only GET."},
	}
	for _, tt := range tests {
		var e apiError
		resp := b.call(t, tt.method, tt.path, "good", strings.NewReader(`{}`), &e)
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != tt.allow || !strings.HasSuffix(e.Error, tt.want) {
			t.Errorf("%s %s: %d Allow %q %q, want 405 Allow %q %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), e.Error, tt.allow, tt.want)
		}
	}
	if resp := b.call(t, "HEAD", "/admin/api/spaces", "good", nil, nil); resp.StatusCode != 200 {
		t.Errorf("HEAD /admin/api/spaces: %d, want 200 as Allow says", resp.StatusCode)
	}
	for _, path := range []string{"/admin/api/nothing", "/admin/api/config/x", "/admin/api/"} {
		for _, method := range []string{"GET", "POST"} {
			var e apiError
			if resp := b.call(t, method, path, "good", nil, &e); resp.StatusCode != 404 || e.Error != "There is no such API call." {
				t.Errorf("%s %s: %d %+v, want 404", method, path, resp.StatusCode, e)
			}
		}
	}
	if c := b.fake.Calls(); len(c) != 1 || c[0] != "Spaces t1" {
		t.Errorf("calls = %v, want only the HEAD's Spaces", c)
	}
}

func TestAdminParentsUnknownSpace(t *testing.T) {
	t.Parallel()
	notFound := fmt.Errorf("confluence: search parents in space: %w",
		&mailwiki.Error{Code: mailwiki.ENOTFOUND, Message: "the Confluence space, page or attachment was not found"})
	tests := []struct{ name, space, want string }{
		{"key", "NOPE", "There is no space NOPE on this site (or mailwiki cannot see it)."},
		{"personal", "~jdoe42", "There is no space ~jdoe42 on this site (or mailwiki cannot see it)."},
		{"markup", `<b>"x"</b>`, "There is no such space on this site (or mailwiki cannot see it)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupAdmin(t)
			b.fake.err = notFound
			var e apiError
			resp := b.call(t, "GET", "/admin/api/parents?space="+url.QueryEscape(tt.space), "good", nil, &e)
			if resp.StatusCode != 404 || e.Error != tt.want {
				t.Errorf("got %d %q, want 404 %q", resp.StatusCode, e.Error, tt.want)
			}
		})
	}
}

func TestAdminIndex(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	resp := b.call(t, "GET", "/admin/", "", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body := getBody(t, b.srv.URL+"/admin/")
	if !strings.Contains(body, `<script src="`+hostScript+`"></script>`) {
		t.Errorf("no host script tag in\n%s", body)
	}
	if strings.Contains(body, "mailwiki:host-script") {
		t.Error("the placeholder is left in the page")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{
		"default-src 'none'",
		"script-src 'self' https://connect-cdn.atl-paas.net;",
		"connect-src 'self'",
		"frame-ancestors https://*.atlassian.net",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.Split(csp, "script-src")[1], "unsafe-inline;") {
		t.Errorf("CSP allows unsafe scripts: %q", csp)
	}
	// /admin without the slash is redirected by the application's mux.
	if code, _ := get(t, b.srv, "/admin"); code != 200 {
		t.Errorf("/admin = %d after redirects", code)
	}
}

func TestAdminIndexEscapesAndSandbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script, wantTag, wantAncestor string
	}{
		{"sandbox", "http://127.0.0.1:8090/atlassian-connect/all.js?x=1&y=2", `<script src="http://127.0.0.1:8090/atlassian-connect/all.js?x=1&amp;y=2"></script>`, "http://127.0.0.1:8090"},
		{"same server", "/sandbox/all.js", `<script src="/sandbox/all.js"></script>`, "'self'"},
		{"refused", `javascript:alert(1)`, "", "'self'"},
		{"none", "", "", "'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(web.Admin(web.AdminOptions{
				Service:       &fakeAdmin{},
				Authenticate:  func(*http.Request) (string, error) { return "", errors.New("no") },
				HostScriptURL: tt.script,
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/admin/")
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			scripts := regexp.MustCompile(`<script src=[^>]*></script>`).FindAllString(string(raw), -1)
			if tt.wantTag == "" && len(scripts) != 0 || tt.wantTag != "" && (len(scripts) != 1 || scripts[0] != tt.wantTag) {
				t.Errorf("script tags %q, want %q", scripts, tt.wantTag)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.HasSuffix(csp, " "+tt.wantAncestor) {
				t.Errorf("CSP %q does not end with frame ancestor %q", csp, tt.wantAncestor)
			}
		})
	}
}

func TestAdminAssets(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	body := getBody(t, b.srv.URL+"/admin/")
	refs := regexp.MustCompile(`(?:src|href)="\./(assets/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(refs) < 2 {
		t.Fatalf("the page names %d assets, want a script and a style sheet:\n%s", len(refs), body)
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, ref := range refs {
		resp := b.call(t, "GET", "/admin/"+ref[1], "", nil, nil)
		ext := ref[1][strings.LastIndex(ref[1], "."):]
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), types[ext]) {
			t.Errorf("%s: %d %q", ref[1], resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", ref[1], cc)
		}
	}
	for _, path := range []string{"/admin/assets/", "/admin/assets/nope.js", "/admin/index.html", "/admin/assets/..%2findex.html"} {
		if code, _ := get(t, b.srv, path); code != 404 {
			t.Errorf("%s = %d, want 404", path, code)
		}
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

func TestAdminLogsTenantNotContent(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	fake := &fakeAdmin{}
	var mu sync.Mutex
	h := web.Admin(web.AdminOptions{
		Service:      fake,
		Authenticate: func(r *http.Request) (string, error) { return "tenant-7", nil },
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)),
	})
	body := `{"addresses":[{"address":"secret-team@mail.example.com","spaceKey":"HUSH","contentType":"page"}],"senders":{"mode":"everyone","entries":["boss@example.com"]}}`
	for _, err := range []error{nil, errors.New("store: row secret-team@mail.example.com")} {
		fake.err = err
		req := httptest.NewRequest("PUT", "/admin/api/config", strings.NewReader(body))
		req.Header.Set("Authorization", "JWT token-value")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if !strings.Contains(out, "tenant=tenant-7") {
		t.Errorf("the log does not name the tenant:\n%s", out)
	}
	for _, secret := range []string{"HUSH", "boss@", "token-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows %q:\n%s", secret, out)
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
