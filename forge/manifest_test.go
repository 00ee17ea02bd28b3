package forge_test

// Offline checks of manifest.yml, in place of `forge lint` (which needs
// Atlassian's network): the rules of the Forge manifest reference and of
// shared/spec/forge-remote-contract.md §1 that a typo would break silently,
// and the agreement between the manifest and what mailwiki serves and calls.

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/forge"
)

type auth struct {
	AppSystemToken struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"appSystemToken"`
	AppUserToken struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"appUserToken"`
}

type endpoint struct {
	Key    string `yaml:"key"`
	Remote string `yaml:"remote"`
	Route  *struct {
		Path string `yaml:"path"`
	} `yaml:"route"`
	Auth auth `yaml:"auth"`
}

type uiModule struct {
	Key      string `yaml:"key"`
	Title    string `yaml:"title"`
	Resource string `yaml:"resource"`
	Resolver *struct {
		Endpoint string `yaml:"endpoint"`
		Function string `yaml:"function"`
	} `yaml:"resolver"`
}

type backendModule struct {
	Key      string   `yaml:"key"`
	Endpoint string   `yaml:"endpoint"`
	Function string   `yaml:"function"`
	Events   []string `yaml:"events"`
	Interval string   `yaml:"interval"`
}

type manifest struct {
	App struct {
		ID      string `yaml:"id"`
		Runtime struct {
			Name string `yaml:"name"`
		} `yaml:"runtime"`
	} `yaml:"app"`
	Environment struct {
		Variables []yaml.Node `yaml:"variables"`
	} `yaml:"environment"`
	Modules struct {
		GlobalSettings   []uiModule      `yaml:"confluence:globalSettings"`
		SpaceSettings    []uiModule      `yaml:"confluence:spaceSettings"`
		Endpoint         []endpoint      `yaml:"endpoint"`
		Trigger          []backendModule `yaml:"trigger"`
		ScheduledTrigger []backendModule `yaml:"scheduledTrigger"`
		PreUninstall     []backendModule `yaml:"preUninstall"`
	} `yaml:"modules"`
	Resources []struct {
		Key  string `yaml:"key"`
		Path string `yaml:"path"`
	} `yaml:"resources"`
	Remotes []struct {
		Key        string   `yaml:"key"`
		BaseURL    string   `yaml:"baseUrl"`
		Operations []string `yaml:"operations"`
		Storage    *struct {
			InScopeEUD *bool `yaml:"inScopeEUD"`
		} `yaml:"storage"`
	} `yaml:"remotes"`
	Permissions struct {
		Scopes  []string `yaml:"scopes"`
		Content struct {
			Scripts []string `yaml:"scripts"`
			Styles  []string `yaml:"styles"`
		} `yaml:"content"`
	} `yaml:"permissions"`
}

// load reads manifest.yml: typed, as text (for ${…}) and generically (for
// every module kind).
func load(t *testing.T) (*manifest, string, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile("manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yml: %v", err)
	}
	var generic map[string]any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		t.Fatalf("manifest.yml: %v", err)
	}
	return &m, string(raw), generic
}

func (m *manifest) endpoints() map[string]endpoint {
	eps := map[string]endpoint{}
	for _, e := range m.Modules.Endpoint {
		eps[e.Key] = e
	}
	return eps
}

// The key rule of remotes and endpoint (and, without the length, of every
// module): at most 23 characters of ^[a-zA-Z0-9_-]+$.
var keyRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,23}$`)

func TestManifestKeys(t *testing.T) {
	m, _, generic := load(t)
	seen := map[string]string{}
	check := func(where, key string) {
		if !keyRE.MatchString(key) {
			t.Errorf("%s: key %q: want 1–23 characters of [a-zA-Z0-9_-]", where, key)
		}
		if prev, dup := seen[where+"/"+key]; dup {
			t.Errorf("%s: key %q twice (%s)", where, key, prev)
		}
		seen[where+"/"+key] = where
	}
	for _, r := range m.Remotes {
		check("remotes", r.Key)
	}
	for _, r := range m.Resources {
		check("resources", r.Key)
	}
	// Every module of every kind, read generically so that a module kind
	// added later is checked too; module keys are unique across kinds.
	modules, _ := generic["modules"].(map[string]any)
	if len(modules) == 0 {
		t.Fatal("manifest.yml has no modules")
	}
	for kind, list := range modules {
		items, ok := list.([]any)
		if !ok || len(items) == 0 {
			t.Errorf("modules.%s: want a non-empty list", kind)
			continue
		}
		for _, it := range items {
			mod, _ := it.(map[string]any)
			key, _ := mod["key"].(string)
			check("modules", key)
		}
	}
}

func TestManifestApp(t *testing.T) {
	m, _, _ := load(t)
	if m.App.ID != "${MAILWIKI_APP_ID}" {
		t.Errorf("app.id = %q, want ${MAILWIKI_APP_ID}: each operator deploys under their own app", m.App.ID)
	}
	if n := m.App.Runtime.Name; n != "nodejs24.x" && n != "nodejs22.x" {
		t.Errorf("app.runtime.name = %q, want nodejs24.x (or nodejs22.x)", n)
	}
}

// TestManifestVariables: every ${VAR} is declared in environment.variables
// (the CLI refuses an undeclared one) and every declared one is used.
func TestManifestVariables(t *testing.T) {
	m, raw, _ := load(t)
	declared := map[string]bool{}
	for _, n := range m.Environment.Variables {
		var key string
		switch n.Kind {
		case yaml.ScalarNode:
			key = n.Value
		case yaml.MappingNode:
			var v struct {
				Key string `yaml:"key"`
			}
			if err := n.Decode(&v); err != nil {
				t.Fatal(err)
			}
			key = v.Key
		}
		if key == "" {
			t.Errorf("environment.variables: an entry without a name (line %d)", n.Line)
		}
		declared[key] = true
	}
	used := map[string]bool{}
	for _, line := range strings.Split(raw, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i] // comments may mention ${…}
		}
		for _, v := range regexp.MustCompile(`\$\{([^}]*)\}`).FindAllStringSubmatch(line, -1) {
			used[v[1]] = true
			if !declared[v[1]] {
				t.Errorf("${%s} is used but not declared in environment.variables", v[1])
			}
		}
	}
	for v := range declared {
		if !used[v] {
			t.Errorf("environment.variables declares %s, which nothing uses", v)
		}
	}
	for _, want := range []string{"MAILWIKI_APP_ID", "MAILWIKI_REMOTE_URL"} {
		if !used[want] {
			t.Errorf("${%s} is not used", want)
		}
	}
}

func TestManifestRemote(t *testing.T) {
	m, _, _ := load(t)
	if len(m.Remotes) != 1 {
		t.Fatalf("%d remotes, want mailwiki alone", len(m.Remotes))
	}
	r := m.Remotes[0]
	if r.Key != "mailwiki" || r.BaseURL != "${MAILWIKI_REMOTE_URL}" {
		t.Errorf("remote %q baseUrl %q, want mailwiki at ${MAILWIKI_REMOTE_URL}", r.Key, r.BaseURL)
	}
	// compute is required for invokeRemote; storage needs storage.inScopeEUD.
	if !slices.Contains(r.Operations, "compute") {
		t.Errorf("remote operations %q lack compute, which invokeRemote needs", r.Operations)
	}
	if slices.Contains(r.Operations, "storage") && (r.Storage == nil || r.Storage.InScopeEUD == nil) {
		t.Error("remote operations include storage without storage.inScopeEUD")
	}
	if r.Storage == nil || r.Storage.InScopeEUD == nil || !*r.Storage.InScopeEUD {
		t.Error("mailwiki stores in-scope End-User Data (spool, hashes): storage.inScopeEUD must be true")
	}
}

// TestManifestWiring: every endpoint names a declared remote; every module
// that calls an endpoint names a declared one; backend endpoints have a
// route; nothing runs a Forge function (there are none).
func TestManifestWiring(t *testing.T) {
	m, _, _ := load(t)
	remotes := map[string]bool{}
	for _, r := range m.Remotes {
		remotes[r.Key] = true
	}
	eps := m.endpoints()
	for _, e := range m.Modules.Endpoint {
		if !remotes[e.Remote] {
			t.Errorf("endpoint %s: remote %q is not declared", e.Key, e.Remote)
		}
	}
	resources := map[string]bool{}
	for _, r := range m.Resources {
		resources[r.Key] = true
	}
	ui := append(slices.Clone(m.Modules.GlobalSettings), m.Modules.SpaceSettings...)
	if len(m.Modules.GlobalSettings) != 1 {
		t.Errorf("%d confluence:globalSettings modules, want the admin page", len(m.Modules.GlobalSettings))
	}
	used := map[string]bool{}
	for _, u := range ui {
		if u.Resolver == nil || u.Resolver.Endpoint == "" || u.Resolver.Function != "" {
			t.Errorf("%s: want resolver.endpoint (Forge Remote), not a function", u.Key)
		} else if _, ok := eps[u.Resolver.Endpoint]; !ok {
			t.Errorf("%s: resolver endpoint %q is not declared", u.Key, u.Resolver.Endpoint)
		} else {
			used[u.Resolver.Endpoint] = true
		}
		if !resources[u.Resource] {
			t.Errorf("%s: resource %q is not declared", u.Key, u.Resource)
		}
		if u.Title == "" {
			t.Errorf("%s: no title", u.Key)
		}
	}
	backend := map[string][]backendModule{
		"trigger": m.Modules.Trigger, "scheduledTrigger": m.Modules.ScheduledTrigger, "preUninstall": m.Modules.PreUninstall,
	}
	for kind, mods := range backend {
		if len(mods) != 1 {
			t.Errorf("%d %s modules, want 1", len(mods), kind)
		}
		for _, b := range mods {
			e, ok := eps[b.Endpoint]
			switch {
			case b.Function != "" || b.Endpoint == "":
				t.Errorf("%s %s: want endpoint (the remote), not a function", kind, b.Key)
			case !ok:
				t.Errorf("%s %s: endpoint %q is not declared", kind, b.Key, b.Endpoint)
			case e.Route == nil || !strings.HasPrefix(e.Route.Path, "/"):
				t.Errorf("%s %s: endpoint %s has no route.path, which backend endpoints need", kind, b.Key, e.Key)
			case e.Auth.AppUserToken.Enabled:
				t.Errorf("%s %s: endpoint %s asks for a user token, never sent to triggers", kind, b.Key, e.Key)
			case !e.Auth.AppSystemToken.Enabled:
				t.Errorf("%s %s: endpoint %s must forward the system token: mailwiki lives on it", kind, b.Key, e.Key)
			}
			used[b.Endpoint] = true
		}
	}
	for key := range eps {
		if !used[key] {
			t.Errorf("endpoint %s: no module uses it", key)
		}
	}
	for _, u := range ui {
		if e := eps[u.Resolver.Endpoint]; e.Route != nil {
			t.Errorf("%s: UI endpoint %s has a route; the page gives each invokeRemote path itself", u.Key, e.Key)
		}
	}
}

// TestManifestLifecycle: the events and the tick the contract needs
// (§1.4, §3.1): installed and upgraded (there is no uninstalled event:
// preUninstall is), and a tick often enough for tokens that live 2–4 h.
func TestManifestLifecycle(t *testing.T) {
	m, _, _ := load(t)
	var events []string
	for _, tr := range m.Modules.Trigger {
		events = append(events, tr.Events...)
	}
	for _, want := range []string{"avi:forge:installed:app", "avi:forge:upgraded:app"} {
		if !slices.Contains(events, want) {
			t.Errorf("no trigger for %s", want)
		}
	}
	if slices.Contains(events, "avi:forge:uninstalled:app") {
		t.Error("avi:forge:uninstalled:app does not exist; uninstall is the preUninstall module")
	}
	for _, s := range m.Modules.ScheduledTrigger {
		if s.Interval != "hour" && s.Interval != "fiveMinute" {
			t.Errorf("scheduledTrigger %s: interval %q; want hour or fiveMinute, well inside a token's 2 h", s.Key, s.Interval)
		}
	}
}

// TestManifestRoutes: the backend routes are the paths mailwiki's Forge
// handler serves (internal/forge), each for its module.
func TestManifestRoutes(t *testing.T) {
	m, _, _ := load(t)
	eps := m.endpoints()
	route := func(key string) string {
		if e, ok := eps[key]; ok && e.Route != nil {
			return e.Route.Path
		}
		return ""
	}
	for _, c := range []struct {
		kind string
		mods []backendModule
		want string
	}{
		{"trigger", m.Modules.Trigger, forge.LifecyclePath},
		{"scheduledTrigger", m.Modules.ScheduledTrigger, forge.TickPath},
		{"preUninstall", m.Modules.PreUninstall, forge.PreUninstallPath},
	} {
		for _, b := range c.mods {
			if got := route(b.Endpoint); got != c.want {
				t.Errorf("%s %s: route %q, want %q (served by internal/forge)", c.kind, b.Key, got, c.want)
			}
		}
	}
}

// TestManifestTokenScopes: a forwarded token needs its read:app-*-token
// scope and at least one product scope (else no valid token is made).
func TestManifestTokenScopes(t *testing.T) {
	m, _, _ := load(t)
	scopes := m.Permissions.Scopes
	var system, user bool
	for _, e := range m.Modules.Endpoint {
		system = system || e.Auth.AppSystemToken.Enabled
		user = user || e.Auth.AppUserToken.Enabled
	}
	for _, c := range []struct {
		used  bool
		scope string
	}{{system, "read:app-system-token"}, {user, "read:app-user-token"}} {
		if c.used != slices.Contains(scopes, c.scope) {
			t.Errorf("token forwarded: %v, but scope %s declared: %v", c.used, c.scope, !c.used)
		}
	}
	product := 0
	for _, s := range scopes {
		if !strings.HasPrefix(s, "read:app-") || !strings.HasSuffix(s, "-token") {
			product++
		}
	}
	if product == 0 {
		t.Error("only token scopes: Forge makes no valid token without a product scope")
	}
	if len(scopes) != len(slices.Compact(slices.Sorted(slices.Values(scopes)))) {
		t.Errorf("a scope is declared twice: %q", scopes)
	}
	if slices.Contains(m.Permissions.Content.Scripts, "unsafe-inline") || slices.Contains(m.Permissions.Content.Scripts, "unsafe-eval") {
		t.Error("the admin page needs no inline or eval'd script")
	}
}

// restCalls are the Confluence REST calls mailwiki makes (paths relative
// to the API base URL's /wiki, as internal/confluence writes them) and the
// granular scopes each needs (Confluence REST reference, "OAuth scopes
// required"). Every Confluence operation internal/confluence names must
// have a row.
var restCalls = []struct {
	method, path string
	scopes       []string
}{
	{http.MethodGet, "/api/v2/spaces", []string{"read:space:confluence"}},
	{http.MethodPost, "/api/v2/pages", []string{"write:page:confluence"}},
	{http.MethodGet, "/api/v2/pages", []string{"read:page:confluence"}},
	{http.MethodGet, "/api/v2/pages/1", []string{"read:page:confluence"}},
	{http.MethodPost, "/api/v2/blogposts", []string{"write:blogpost:confluence"}},
	{http.MethodGet, "/api/v2/blogposts", []string{"read:blogpost:confluence"}},
	{http.MethodGet, "/api/v2/folders/1", []string{"read:folder:confluence"}},
	{http.MethodPost, "/rest/api/content/1/child/attachment", []string{"read:content-details:confluence", "write:attachment:confluence"}},
	{http.MethodGet, "/rest/api/content/1/child/attachment", []string{"read:content-details:confluence", "read:attachment:confluence"}},
	{http.MethodGet, "/rest/api/search", []string{"read:content-details:confluence"}},
	{http.MethodGet, "/api/v2/app/properties/k", []string{"read:app-data:confluence"}},
	{http.MethodPut, "/api/v2/app/properties/k", []string{"write:app-data:confluence"}},
	{http.MethodDelete, "/api/v2/app/properties/k", []string{"write:app-data:confluence"}},
}

func TestManifestProductScopes(t *testing.T) {
	m, _, _ := load(t)
	needed := map[string]bool{"read:app-system-token": true, "read:app-user-token": true}
	covered := map[string]bool{}
	for _, c := range restCalls {
		op := confluence.Operation(c.method, c.path)
		if op == confluence.OpOther {
			t.Errorf("%s %s: internal/confluence does not name this call; update the table", c.method, c.path)
		}
		covered[op] = true
		for _, s := range c.scopes {
			needed[s] = true
			if !slices.Contains(m.Permissions.Scopes, s) {
				t.Errorf("%s %s needs scope %s, which the manifest lacks", c.method, c.path, s)
			}
		}
	}
	for _, op := range []string{
		confluence.OpGetSpace, confluence.OpCreatePage, confluence.OpGetPage, confluence.OpFindPage,
		confluence.OpListAttachments, confluence.OpUploadAttachments, confluence.OpAppProperty,
		confluence.OpSearch, confluence.OpGetFolder, confluence.OpCreateBlogPost, confluence.OpFindBlogPost,
	} {
		if !covered[op] {
			t.Errorf("Confluence operation %s has no row in restCalls", op)
		}
	}
	// Only what mailwiki calls: no scope without a call.
	for _, s := range m.Permissions.Scopes {
		if !needed[s] {
			t.Errorf("scope %s: no call in restCalls needs it", s)
		}
	}
}

// TestManifestResources: the Custom UI bundle is either built (an
// index.html there) or documented as built: ui's build:forge script writes
// there and README.md says to run it before forge deploy.
func TestManifestResources(t *testing.T) {
	m, _, _ := load(t)
	if len(m.Resources) != 1 || m.Resources[0].Path != "static/admin" {
		t.Fatalf("resources %+v, want admin at static/admin", m.Resources)
	}
	dir := m.Resources[0].Path
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		return
	}
	pkg, err := os.ReadFile(filepath.Join("..", "ui", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pkg), `"build:forge"`) || !strings.Contains(string(pkg), "--outDir ../forge/"+dir+" ") {
		t.Errorf("ui/package.json has no build:forge script writing forge/%s", dir)
	}
	if !strings.Contains(string(readme), "npm run build:forge") || !strings.Contains(string(readme), dir) {
		t.Errorf("README.md does not say how %s is built", dir)
	}
}
