package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// axePath is axe-core's browser bundle, a dev dependency of ui/ (npm ci),
// relative to this package's directory, where go test runs.
const axePath = "../../ui/node_modules/axe-core/axe.min.js"

// stepTimeout bounds each browser step.
const stepTimeout = 30 * time.Second

// requireAdminBrowser skips without Chromium or axe-core, except that CI
// (MAILWIKI_REQUIRE_SHARED=1, which runs npm ci) fails without axe-core.
// It returns axe-core's source.
func requireAdminBrowser(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no %s (apt-get install -y --no-install-recommends chromium): the admin page test needs headless Chromium", chromiumPath)
	}
	src, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("MAILWIKI_REQUIRE_SHARED") == "1" {
			t.Fatalf("no axe-core (%v): run (cd ui && npm ci) first", err)
		}
		t.Skipf("no axe-core at %s (cd ui && npm ci): the admin page test checks accessibility with it", axePath)
	}
	return string(src)
}

// createSandboxPage creates a page in DEMO through the sandbox's REST API,
// as the demo user, and returns its id.
func createSandboxPage(t *testing.T, site, title string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "page", "title": title, "space": map[string]string{"key": sandbox.DemoSpaceKey},
		"body": map[string]any{"storage": map[string]string{"value": "<p>Where the minutes go.</p>", "representation": "storage"}}})
	req, _ := http.NewRequest(http.MethodPost, site+"/rest/api/content", bytes.NewReader(body))
	req.SetBasicAuth(sandbox.DemoUser, sandbox.DemoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK || page.ID == "" {
		t.Fatalf("create page %q: %s, id %q, err %v", title, resp.Status, page.ID, err)
	}
	return page.ID
}

// storedConfig reads the configuration as mailwiki stored it in the app's
// properties: the index names a generation and its shards, JSON strings
// that join into the TenantConfig.
func storedConfig(t *testing.T, sb *sandbox.Sandbox) mailwiki.TenantConfig {
	t.Helper()
	return storedConfigIn(t, func(key string) (json.RawMessage, bool) { return sb.AppProperty("mailwiki", key) })
}

// storedConfigIn reads the configuration from the properties property
// returns: a Connect app's (shards are JSON strings) or a Forge
// installation's (shards are {"part": that string}).
func storedConfigIn(t *testing.T, property func(key string) (json.RawMessage, bool)) mailwiki.TenantConfig {
	t.Helper()
	raw, ok := property("mailwiki-config")
	var index struct {
		Generation string
		Shards     int
	}
	if !ok || json.Unmarshal(raw, &index) != nil {
		t.Fatalf("no configuration index in the app properties: %s", raw)
	}
	var whole strings.Builder
	for i := range index.Shards {
		key := fmt.Sprintf("mailwiki-config-%s-%d", index.Generation, i)
		if index.Generation == "" {
			key = fmt.Sprintf("mailwiki-config-%d", i)
		}
		v, _ := property(key)
		var shard string
		if err := json.Unmarshal(v, &shard); err != nil {
			var forge struct{ Part *string } // Forge's values are objects: {"part": the string}
			if json.Unmarshal(v, &forge) != nil || forge.Part == nil {
				t.Fatalf("shard %s: %v", key, err)
			}
			shard = *forge.Part
		}
		whole.WriteString(shard)
	}
	var cfg mailwiki.TenantConfig
	if err := json.Unmarshal([]byte(whole.String()), &cfg); err != nil {
		t.Fatalf("stored configuration: %v", err)
	}
	return cfg
}

// waitPageTitled waits until DEMO holds a page with that title.
func (b *bundle) waitPageTitled(t *testing.T, title string, within time.Duration) sandbox.Page {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, p := range b.sandbox.Pages(sandbox.DemoSpaceKey) {
			if p.Title == title {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page %q in DEMO after %s; logs:\n%s", title, within, b.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminTab is one headless Chromium showing the sandbox's admin page, with
// the console errors and uncaught exceptions of the page and its iframe.
type adminTab struct {
	t     *testing.T
	ctx   context.Context
	frame string // the id of the app's iframe on the host page

	mu       sync.Mutex
	problems []string
}

// openAdminPage starts Chromium (1200 px wide, in dark mode if dark), opens
// the Connect admin page at url and waits until the iframe shows the loaded
// settings.
func openAdminPage(t *testing.T, url string, dark bool) *adminTab {
	t.Helper()
	return openHostPage(t, url, "ac-frame", dark)
}

// openHostPage opens url, a sandbox page showing the app in the iframe
// whose id is frame, as openAdminPage does.
func openHostPage(t *testing.T, url, frame string, dark bool) *adminTab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	a := &adminTab{t: t, frame: frame}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(a.listen))
	t.Cleanup(cancel)
	a.ctx = ctx
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start chromium: %v", err)
	}
	if dark {
		a.do("emulate dark mode", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return err
		}))
	}
	a.do("open "+url, chromedp.Navigate(url))
	a.waitFor("heading", "Email to Confluence")
	return a
}

// listen runs in the tab's event loop: it only records.
func (a *adminTab) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, arg := range ev.Args {
				args = append(args, strings.Trim(string(arg.Value), `"`)+arg.Description)
			}
			p = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, d.Text)
		if d.Exception != nil {
			p += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		// The favicon is the browser's own request, not the page's.
		if ev.Entry.Level == log.EntryLevelError && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			p = fmt.Sprintf("browser log (%s) %s: %s", ev.Entry.Source, ev.Entry.URL, ev.Entry.Text)
		}
	}
	if p != "" {
		a.mu.Lock()
		a.problems = append(a.problems, p)
		a.mu.Unlock()
	}
}

// checkConsole fails the test on any console error or exception so far.
func (a *adminTab) checkConsole() {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.problems) > 0 {
		a.t.Errorf("the admin page wrote %d error(s) to the console:\n%s", len(a.problems), strings.Join(a.problems, "\n"))
	}
}

// do runs one step within stepTimeout.
func (a *adminTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		a.mu.Lock()
		console := strings.Join(a.problems, "\n")
		a.mu.Unlock()
		a.t.Fatalf("%s: %v\nconsole:\n%s", what, err, console)
	}
}

// in selects, inside the app's iframe, the first element of that role whose
// accessible name is name (for status, alert and note: whose text contains
// name).
func (a *adminTab) in(role, name string) []chromedp.QueryOption {
	a.t.Helper()
	nodes, err := chromedp.Run(a.ctx, chromedp.Nodes(chromedp.ID(a.frame)))
	if err != nil || len(nodes) == 0 {
		a.t.Fatalf("no app iframe on the host page: %v", err)
	}
	return []chromedp.QueryOption{chromedp.FromNode(nodes[0]), chromedp.ByFunc(byRole(role, name))}
}

// byRoleJS finds an element by role and accessible name in the document of
// the node it is called on. Names: aria-label, else the <label>s of a form
// control (without the required asterisk), else the text.
const byRoleJS = `function (role, name) {
  const doc = this.ownerDocument || this;
  const text = (s) => (s || "").replace(/\s+/g, " ").trim();
  const labelled = (el) => text(el.getAttribute("aria-label")) ||
    text([...(el.labels || [])].map((l) => l.textContent).join(" ")).replace(/\s*\*$/, "");
  const own = (el) => text(el.getAttribute("aria-label")) || text(el.textContent);
  const kinds = {
    button: ["button, [role=button]", own],
    heading: ["h1, h2, h3, h4, [role=heading]", own],
    textbox: ["input:not([type]), input[type=text], input[type=email], textarea", labelled],
    searchbox: ["input[type=search]", labelled],
    combobox: ["select", labelled],
    radio: ["input[type=radio]", labelled],
    status: ["[role=status]", own],
    alert: ["[role=alert]", own],
    note: ["[role=note]", own],
  };
  const [css, nameOf] = kinds[role];
  const partial = role === "status" || role === "alert" || role === "note";
  for (const el of doc.querySelectorAll(css)) {
    const n = nameOf(el);
    if (partial ? n.includes(name) : n === name) return el;
  }
  return null;
}`

func byRole(role, name string) func(context.Context, *chromedp.Target, *chromedp.Node) ([]cdp.NodeID, error) {
	return func(ctx context.Context, tg *chromedp.Target, doc *chromedp.Node) ([]cdp.NodeID, error) {
		el, err := callOn[*runtime.RemoteObject](ctx, tg, doc.NodeID, byRoleJS, role, name)
		if err != nil || el.ObjectID == "" {
			return nil, err // not there (yet): the query retries
		}
		n, err := cdp.Call(ctx, tg, dom.RequestNode, dom.RequestNodeParams{ObjectID: el.ObjectID})
		return []cdp.NodeID{n.NodeID}, err
	}
}

// callOn calls fn with this = the node, in the node's own frame.
func callOn[T any](ctx context.Context, tg *chromedp.Target, id cdp.NodeID, fn string, args ...any) (T, error) {
	obj, err := cdp.Call(ctx, tg, dom.ResolveNode, dom.ResolveNodeParams{NodeID: id})
	if err != nil {
		var zero T
		return zero, err
	}
	return chromedp.CallFunctionOn[T](fn, func(p *runtime.CallFunctionOnParams) {
		p.ObjectID = obj.Object.ObjectID
		p.AwaitPromise = new(true)
	}, args...)(ctx, tg)
}

func (a *adminTab) click(role, name string) {
	a.t.Helper()
	a.do("click "+role+" "+name, chromedp.Click("", a.in(role, name)...))
}

func (a *adminTab) typeInto(role, name, text string) {
	a.t.Helper()
	a.do("type into "+role+" "+name, chromedp.SendKeys("", text, a.in(role, name)...))
}

func (a *adminTab) waitFor(role, name string) {
	a.t.Helper()
	a.do("wait for "+role+" "+name, chromedp.WaitVisible("", a.in(role, name)...))
}

// chooseJS selects the first option whose text contains label, and fires
// input and change as the browser does when a user picks it; false when
// there is no such option (yet).
const chooseJS = `function (label) {
  const o = [...this.options].find((o) => o.text.includes(label));
  if (!o) return false;
  this.focus();
  this.value = o.value;
  this.dispatchEvent(new Event("input", { bubbles: true }));
  this.dispatchEvent(new Event("change", { bubbles: true }));
  return true;
}`

// choose picks an option of a select, waiting until the option is there.
func (a *adminTab) choose(role, name, option string) {
	a.t.Helper()
	a.until(fmt.Sprintf("choose %q in %s", option, name), role, name, chooseJS, option)
}

// fitsJS: the iframe is as tall as its content (AP.resize on Connect, the
// bridge itself on Forge), so the host page shows all of it and the iframe
// itself never scrolls.
const fitsJS = `function () {
  const d = this.ownerDocument;
  return d.documentElement.scrollHeight <= d.defaultView.innerHeight + 1;
}`

// until calls js on the element (as this) until it returns true.
func (a *adminTab) until(what, role, name, js string, args ...any) {
	a.t.Helper()
	opts := append(a.in(role, name), chromedp.After(
		func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) error {
			for {
				ok, err := callOn[bool](ctx, tg, nodes[0].NodeID, js, args...)
				if ok || err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
		}))
	a.do(what, chromedp.WaitVisible("", opts...))
}

// fieldErrorJS describes the error message the control names in its
// aria-describedby, and whether it sits in the control's own field.
const fieldErrorJS = `function () {
  const ids = (this.getAttribute("aria-describedby") || "").split(/\s+/);
  const msg = ids.map((id) => this.ownerDocument.getElementById(id)).find((e) => e && e.classList.contains("field-error"));
  return { invalid: this.getAttribute("aria-invalid") || "", message: msg ? msg.textContent.trim() : "",
    beside: !!msg && msg.closest(".field") === this.closest(".field") };
}`

// checkFieldError checks the control is marked invalid and described by an
// error message in its own field that contains want.
func (a *adminTab) checkFieldError(role, name, want string) {
	a.t.Helper()
	type fieldError struct {
		Invalid, Message string
		Beside           bool
	}
	var got fieldError
	a.do("read the error of "+name, chromedp.QueryAfter("", func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		var err error
		got, err = callOn[fieldError](ctx, tg, nodes[0].NodeID, fieldErrorJS)
		return chromedp.Void{}, err
	}, a.in(role, name)...))
	if got.Invalid != "true" || !got.Beside || !strings.Contains(got.Message, want) {
		a.t.Errorf("field %s: aria-invalid %q, message %q (beside the field: %v), want invalid with a message containing %q",
			name, got.Invalid, got.Message, got.Beside, want)
	}
}

// axeJS loads axe-core into the iframe's document (once) and runs it.
const axeJS = `function (src) {
  if (!window.axe) (0, eval)(src);
  return axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")) })));
}`

// checkAccessibility runs axe-core in the iframe's document and fails on
// serious and critical violations.
func (a *adminTab) checkAccessibility(axe string) {
	a.t.Helper()
	type violation struct {
		ID, Impact, Help string
		Nodes            []string
	}
	var found []violation
	a.do("run axe-core", chromedp.QueryAfter("", func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		var err error
		found, err = callOn[[]violation](ctx, tg, nodes[0].NodeID, axeJS, axe)
		return chromedp.Void{}, err
	}, a.in("heading", "Email to Confluence")...))
	for _, v := range found {
		if v.Impact == "serious" || v.Impact == "critical" {
			a.t.Errorf("axe-core: %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		} else {
			a.t.Logf("axe-core, %s: %s: %s", v.Impact, v.ID, v.Help)
		}
	}
}

// screenshot saves the whole host page, iframe included, once the iframe
// fits its content.
func (a *adminTab) screenshot(file string) {
	a.t.Helper()
	a.until("the iframe grows to its content (AP.resize, or the Forge bridge)", "heading", "Email to Confluence", fitsJS)
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		a.t.Fatalf("screenshot %s: %v", file, err)
	}
}
