package confluence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/mailwiki/mailwiki/internal/sharedtest"
)

// Contract tests: every v2 request the client sends is validated against
// Atlassian's published OpenAPI document of the Confluence Cloud REST API v2,
// and so is every v2 fixture the fake answers with, so that fixtures are real
// Confluence shapes. The document is read in place, never copied.

// v2SpecFile is the document's path in the shared folder (see sharedtest).
const v2SpecFile = "spec/confluence-cloud-v2.openapi.json"

// v2Prefix is where the v2 API lives under a Cloud site's base URL; the
// document's servers entry is https://{your-domain}/wiki/api/v2.
const v2Prefix = "/wiki/api/v2"

// v2Spec is the router of the document, loaded once (its path is the same
// for every test of the process).
var v2Spec struct {
	once   sync.Once
	router routers.Router
	err    error
}

func loadV2Router(path string) (routers.Router, error) {
	v2Spec.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			v2Spec.err = err
			return
		}
		doc.Servers = nil // routes are matched on the path below v2Prefix
		closeBodyWriteSchemas(doc)
		// Atlassian's document has invalid examples and one invalid default
		// ("my, team" for an enum of "my" and "team"); neither concerns mailwiki.
		v2Spec.router, v2Spec.err = legacy.NewRouter(doc, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
	})
	return v2Spec.router, v2Spec.err
}

// closeBodyWriteSchemas repairs one defect of Atlassian's document, in
// memory: a page (or blog post) body is oneOf PageBodyWrite ({representation, value}) and
// PageNestedBodyWrite ({storage: {…}}), two open objects without required
// fields, so every body matches both and strict oneOf rejects them all.
// Closing both (additionalProperties: false) makes the oneOf choose as its
// descriptions intend; it only tightens what is accepted.
func closeBodyWriteSchemas(doc *openapi3.T) {
	closed := false
	for _, name := range []string{"PageBodyWrite", "PageNestedBodyWrite", "BlogPostBodyWrite", "BlogPostNestedBodyWrite"} {
		if ref := doc.Components.Schemas[name]; ref != nil && ref.Value != nil {
			ref.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: &closed}
		}
	}
}

func v2Router(t *testing.T) routers.Router {
	t.Helper()
	path := sharedtest.File(t, v2SpecFile)
	router, err := loadV2Router(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return router
}

// requireBasicAuth is the document's basicAuth scheme, checked for real: a
// request without basic credentials fails validation.
func requireBasicAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "basicAuth" {
		return errors.New("only basicAuth is used by mailwiki")
	}
	if _, _, ok := in.RequestValidationInput.Request.BasicAuth(); !ok {
		return errors.New("no basic credentials")
	}
	return nil
}

// contractServer is a fake Confluence Cloud that validates each v2 request
// and its own response against the document. Validation failures are
// reported through t.
type contractServer struct {
	t       *testing.T
	router  routers.Router
	fixture map[string]string // operationId → 200 response body
	missing map[string]bool   // operationIds answered 404, set before any request

	mu   sync.Mutex
	errs []error
	ops  []string
}

func newContractServer(t *testing.T, fixtures map[string]string) (*contractServer, *Client) {
	t.Helper()
	cs := &contractServer{t: t, router: v2Router(t), fixture: fixtures}
	srv := httptest.NewTLSServer(cs)
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: basicAuth("me@example.com", "api-token", srv.Client().Transport)}
	c, err := New(srv.URL+"/wiki", hc, Options{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return cs, c
}

func (cs *contractServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, status, body, err := cs.handle(r)
	cs.mu.Lock()
	cs.ops = append(cs.ops, op)
	if err != nil {
		cs.errs = append(cs.errs, err)
	}
	cs.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (cs *contractServer) handle(r *http.Request) (op string, status int, body string, err error) {
	if !strings.HasPrefix(r.URL.Path, v2Prefix+"/") {
		return "", http.StatusNotFound, `{}`, errors.New("not a v2 path: " + r.URL.Path)
	}
	req := r.Clone(r.Context())
	req.URL.Path = strings.TrimPrefix(r.URL.Path, v2Prefix)
	req.URL.RawPath = ""
	route, params, err := cs.router.FindRoute(req)
	if err != nil {
		return "", http.StatusNotFound, `{}`, errors.New(r.Method + " " + r.URL.Path + ": no such operation in the document: " + err.Error())
	}
	op = route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: requireBasicAuth, MultiError: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return op, http.StatusBadRequest, `{"errors":[{"status":400,"code":"INVALID","title":"invalid request"}]}`, errors.New(op + " request: " + err.Error())
	}
	if cs.missing[op] {
		body := `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}`
		return op, http.StatusNotFound, body, validateV2Response(r.Context(), in, http.StatusNotFound, body)
	}
	body, ok := cs.fixture[op]
	if !ok {
		return op, http.StatusNotFound, `{}`, errors.New("no fixture for " + op)
	}
	return op, http.StatusOK, body, validateV2Response(r.Context(), in, http.StatusOK, body)
}

func validateV2Response(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, body string) error {
	h := http.Header{"Content-Type": {"application/json"}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: h,
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return errors.New(in.Route.Operation.OperationID + " response: " + err.Error())
	}
	return nil
}

func (cs *contractServer) check(wantOps ...string) {
	cs.t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, err := range cs.errs {
		cs.t.Error(err)
	}
	if strings.Join(cs.ops, ",") != strings.Join(wantOps, ",") {
		cs.t.Errorf("operations %v, want %v", cs.ops, wantOps)
	}
}

var v2Fixtures = map[string]string{
	"getSpaces":      spacesV2JSON,
	"createPage":     pageV2JSON,
	"getPageById":    pageV2JSON,
	"getPages":       `{"results":[` + pageV2JSON + `],"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
	"getFolderById":  folderV2JSON,
	"createBlogPost": blogPostV2JSON,
	"getBlogPosts":   `{"results":[` + blogPostV2JSON + `],"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
}

func TestContractV2Requests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(ctx context.Context, c *Client) error
		op   string
	}{
		{"SpaceByKey", func(ctx context.Context, c *Client) error { _, err := c.SpaceByKey(ctx, "DEMO"); return err }, "getSpaces"},
		{"CreatePage", func(ctx context.Context, c *Client) error {
			_, err := c.CreatePage(ctx, PageInput{SpaceID: "98306", Title: "Quarterly report", ParentID: "98310", Storage: "<p>Hello</p>"})
			return err
		}, "createPage"},
		{"CreatePage at space home", func(ctx context.Context, c *Client) error {
			_, err := c.CreatePage(ctx, PageInput{SpaceID: "98306", Title: "Quarterly report", Storage: ""})
			return err
		}, "createPage"},
		{"GetPage", func(ctx context.Context, c *Client) error { _, err := c.GetPage(ctx, "123456"); return err }, "getPageById"},
		{"CreatePage under a folder", func(ctx context.Context, c *Client) error {
			_, err := c.CreatePage(ctx, PageInput{SpaceID: "98306", Title: "Filed mail", ParentID: "98400", Storage: "<p>x</p>"})
			return err
		}, "createPage"},
		{"Spaces", func(ctx context.Context, c *Client) error { _, err := c.Spaces(ctx); return err }, "getSpaces"},
		{"PageOrFolder", func(ctx context.Context, c *Client) error { _, err := c.PageOrFolder(ctx, "123456"); return err }, "getPageById"},
		{"CreateBlogPost", func(ctx context.Context, c *Client) error {
			_, err := c.CreateBlogPost(ctx, PageInput{SpaceID: "98306", Title: "Weekly digest", Storage: "<p>Hello</p>"})
			return err
		}, "createBlogPost"},
		{"FindBlogPostByTitle", func(ctx context.Context, c *Client) error {
			p, err := c.FindBlogPostByTitle(ctx, Space{ID: "98306", Key: "DEMO"}, "Weekly digest")
			if err == nil && p == nil {
				err = errors.New("blog post not found")
			}
			return err
		}, "getBlogPosts"},
		{"FindPageByTitle", func(ctx context.Context, c *Client) error {
			p, err := c.FindPageByTitle(ctx, Space{ID: "98306", Key: "DEMO"}, "Quarterly report")
			if err == nil && p == nil {
				err = errors.New("page not found")
			}
			return err
		}, "getPages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, c := newContractServer(t, v2Fixtures)
			if err := tt.call(t.Context(), c); err != nil {
				t.Errorf("call: %v", err)
			}
			cs.check(tt.op)
		})
	}
}

// TestContractPageOrFolderFallback: a parent that is not a page is looked
// up as a folder.
func TestContractPageOrFolderFallback(t *testing.T) {
	t.Parallel()
	cs, c := newContractServer(t, v2Fixtures)
	cs.missing = map[string]bool{"getPageById": true}
	p, err := c.PageOrFolder(t.Context(), "98400")
	if err != nil || p.Type != "folder" {
		t.Errorf("PageOrFolder = %+v, %v; want a folder", p, err)
	}
	cs.check("getPageById", "getFolderById")
}

// TestContractValidatorRejects proves the contract server can fail: requests
// and fixtures that break the document are reported.
func TestContractValidatorRejects(t *testing.T) {
	t.Parallel()
	router := v2Router(t)
	t.Run("request", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name, method, target, body string
			anonymous                  bool
		}{
			{"missing spaceId", http.MethodPost, "/pages", `{"status":"current","title":"T"}`, false},
			{"unknown status", http.MethodPost, "/pages", `{"spaceId":"1","status":"published","title":"T"}`, false},
			{"non-numeric page id", http.MethodGet, "/pages/abc", ``, false},
			{"unknown body-format", http.MethodGet, "/pages/1?body-format=html", ``, false},
			{"body with two shapes", http.MethodPost, "/pages", `{"spaceId":"1","status":"current","title":"T","body":{"representation":"storage","value":"x","storage":{"value":"x"}}}`, false},
			{"unknown representation", http.MethodPost, "/pages", `{"spaceId":"1","title":"T","body":{"representation":"html","value":"x"}}`, false},
			{"no credentials", http.MethodGet, "/pages/1", ``, true},
		}
		for _, tt := range tests {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if !tt.anonymous {
				req.SetBasicAuth("me@example.com", "token")
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: requireBasicAuth}}
			if err := openapi3filter.ValidateRequest(t.Context(), in); err == nil {
				t.Errorf("%s: request accepted", tt.name)
			}
		}
	})
	t.Run("response", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest(http.MethodGet, "/pages/1", nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
		bad := `{"id":"1","title":"T","version":{"number":"one"}}`
		if err := validateV2Response(t.Context(), in, http.StatusOK, bad); err == nil {
			t.Error("a version number given as a string was accepted")
		}
		if err := validateV2Response(t.Context(), in, http.StatusOK, pageV2JSON); err != nil {
			t.Errorf("the page fixture was rejected: %v", err)
		}
	})
}
