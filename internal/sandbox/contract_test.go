package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/mailwiki/mailwiki/internal/sharedtest"
)

// specFile is Atlassian's OpenAPI document of Confluence Cloud REST v2,
// read in place from the shared folder (see sharedtest).
const specFile = "spec/confluence-cloud-v2.openapi.json"

// specHost is the host the document's server is rewritten to; requests are
// matched against it, whatever port the test server listens on.
const specHost = "sandbox.test"

// spec is the router of the document, loaded once (its path is the same
// for every test of the process).
var spec struct {
	once   sync.Once
	router routers.Router
	err    error
}

func loadSpec(path string) (routers.Router, error) {
	spec.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			spec.err = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://" + specHost + "/wiki/api/v2"}}
		relaxAmbiguousBody(doc)
		// Atlassian's document has an enum default ("my, team") outside its enum
		// on a route mailwiki never calls; that one check is switched off.
		spec.router, spec.err = legacy.NewRouter(doc, openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableExamplesValidation())
	})
	return spec.router, spec.err
}

// relaxAmbiguousBody works around a defect of Atlassian's document: the
// page creation body is oneOf PageBodyWrite and PageNestedBodyWrite, two
// objects with no required member, so every body matches both and strict
// oneOf refuses all of them. The alternatives are checked as anyOf instead,
// in memory only.
func relaxAmbiguousBody(doc *openapi3.T) {
	for _, name := range []string{"PageCreateRequest", "BlogPostCreateRequest"} { // the same defect in both
		rb := doc.Components.RequestBodies[name]
		if rb == nil || rb.Value == nil {
			continue
		}
		body := rb.Value.Content.Get("application/json").Schema.Value.Properties["body"]
		if body != nil && body.Value != nil && len(body.Value.OneOf) > 0 {
			body.Value.AnyOf, body.Value.OneOf = body.Value.OneOf, nil
		}
	}
}

// specRouter returns the router of the v2 document, skipping the test when
// the document is not there.
func specRouter(t *testing.T) routers.Router {
	t.Helper()
	path := sharedtest.File(t, specFile)
	r, err := loadSpec(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return r
}

// basicAuthOnly accepts the document's basicAuth scheme when the request
// carries basic credentials, and refuses OAuth (the sandbox has none).
func basicAuthOnly(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName == "basicAuth" && strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Basic ") {
		return nil
	}
	return errors.New("no basic credentials")
}

// v2Call is one REST v2 call checked against the OpenAPI document.
type v2Call struct {
	method, path string
	body         any    // JSON-encoded when not nil
	auth         string // as request.auth
	want         int
	// undocumented marks answers the document does not describe (injected
	// faults): the request is still validated, the response is not.
	undocumented bool
}

// v2 performs c: sends it, validates the request and the response (status,
// headers, body) against the document, checks the status and returns the
// response and its body. The validation is a subtest, "contract", which
// skips alone when the document is missing: the rest of the test still runs.
func (b *bundle) v2(t *testing.T, c v2Call) (*http.Response, []byte) {
	t.Helper()
	var raw []byte
	if c.body != nil {
		var err error
		if raw, err = json.Marshal(c.body); err != nil {
			t.Fatal(err)
		}
	}
	rq := request{method: c.method, path: c.path, auth: c.auth}
	if raw != nil {
		rq.body, rq.contentType = bytes.NewReader(raw), "application/json"
	}
	resp, data := b.call(t, rq)
	t.Run("contract", func(t *testing.T) {
		in := validateV2Request(t, specRouter(t), c, raw)
		if !c.undocumented {
			validateV2Response(t, in, resp, data)
		}
	})
	checkStatus(t, resp, data, c.want)
	return resp, data
}

func validateV2Request(t *testing.T, router routers.Router, c v2Call, raw []byte) *openapi3filter.RequestValidationInput {
	t.Helper()
	req, err := http.NewRequest(c.method, "http://"+specHost+c.path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	authFunc := basicAuthOnly
	if c.auth == "" {
		req.SetBasicAuth(DemoUser, DemoToken)
	} else {
		authFunc = openapi3filter.NoopAuthenticationFunc // the test sends bad credentials on purpose
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in the v2 document: %v", c.method, c.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Fatalf("request %s %s does not follow the v2 document: %v", c.method, c.path, err)
	}
	return in
}

func validateV2Response(t *testing.T, in *openapi3filter.RequestValidationInput, resp *http.Response, data []byte) {
	t.Helper()
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(data)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("response %d to %s %s does not follow the v2 document: %v\nbody: %s",
			resp.StatusCode, in.Request.Method, in.Request.URL.Path, err, data)
	}
}

// TestContractCatchesAShapeError proves the contract check can fail: a
// space whose type is outside the documented enum is refused.
func TestContractCatchesAShapeError(t *testing.T) {
	t.Parallel()
	router := specRouter(t)
	in := validateV2Request(t, router, v2Call{method: http.MethodGet, path: "/wiki/api/v2/spaces/1"}, nil)
	body := []byte(`{"id":"1","key":"K","name":"n","type":"wiki","status":"current"}`)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err == nil {
		t.Fatal("a space of type \"wiki\" passed the contract check")
	}
}
