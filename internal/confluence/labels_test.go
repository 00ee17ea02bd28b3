package confluence

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// labelsAnswer is Confluence's answer to an add: every label of the content.
const labelsAnswer = `{"results":[{"prefix":"global","name":"probable-spam","id":"98765","label":"probable-spam"}],"start":0,"limit":200,"size":1,"_links":{"base":"https://acme.atlassian.net/wiki","context":"/wiki"}}`

func TestAddLabelsRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(http.StatusOK, labelsAnswer))
	c, _ := newClient(t, f, Options{})
	if err := c.AddLabels(t.Context(), "123456", []string{"probable-spam", "unscanned"}); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if r.Method != http.MethodPost || r.Path != "/wiki/rest/api/content/123456/label" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	want := `[{"prefix":"global","name":"probable-spam"},{"prefix":"global","name":"unscanned"}]`
	if string(r.Body) != want || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("body %s (%s), want %s", r.Body, r.Header.Get("Content-Type"), want)
	}
}

func TestAddLabelsDataCenterUsesTheSamePath(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(http.StatusOK, labelsAnswer))
	c, _ := newClient(t, f, Options{Flavor: DataCenter})
	if err := c.AddLabels(t.Context(), "42", []string{"unscanned"}); err != nil {
		t.Fatal(err)
	}
	if r := f.only(t); r.Path != "/wiki/rest/api/content/42/label" {
		t.Fatalf("path %s", r.Path)
	}
}

// TestAddLabelsIsRetried: adding labels is idempotent, so a 5xx is retried
// although the method is POST.
func TestAddLabelsIsRetried(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ recorded) reply {
		if n == 0 {
			return reply{status: http.StatusServiceUnavailable, body: `{"message":"down"}`}
		}
		return reply{body: labelsAnswer}
	})
	c, sleeps := newClient(t, f, Options{})
	if err := c.AddLabels(t.Context(), "1", []string{"unscanned"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 2 || len(sleeps.recorded()) != 1 {
		t.Fatalf("%d requests, %d waits; want 2 and 1", n, len(sleeps.recorded()))
	}
}

func TestAddLabelsUnknownContent(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(http.StatusNotFound, `{"statusCode":404,"message":"No content found with id: ContentId{id=9}"}`))
	c, _ := newClient(t, f, Options{})
	err := c.AddLabels(t.Context(), "9", []string{"unscanned"})
	wantCode(t, err, mailwiki.ENOTFOUND, false)
	if n := len(f.requests()); n != 1 {
		t.Fatalf("%d requests for a 404, want 1", n)
	}
}

func TestAddLabelsRefusesInvalidNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, label string }{
		{"space", "probable spam"},
		{"upper case", "Unscanned"},
		{"colon", "spam:probable"},
		{"dot", "v1.2"},
		{"slash", "a/b"},
		{"backslash", `a\b`},
		{"brace", "a{b"},
		{"tilde", "a~b"},
		{"tab", "a\tb"},
		{"too long", strings.Repeat("x", MaxLabelLen+1)},
		{"empty", ""},
	}
	f := newFake(t, always(http.StatusOK, labelsAnswer))
	c, _ := newClient(t, f, Options{})
	for _, tt := range tests {
		err := c.AddLabels(t.Context(), "1", []string{"fine", tt.label})
		if mailwiki.ErrorCode(err) != mailwiki.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", tt.name, err)
			continue
		}
		if tt.label != "" && !strings.Contains(mailwiki.ErrorMessage(err), strconv.Quote(tt.label)) {
			t.Errorf("%s: message %q does not name the label", tt.name, mailwiki.ErrorMessage(err))
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent for invalid labels", n)
	}
	for _, ok := range []string{"probable-spam", "unscanned_1", strings.Repeat("é", MaxLabelLen), "ünïcode"} {
		if err := CheckLabel(ok); err != nil {
			t.Errorf("CheckLabel(%q) = %v", ok, err)
		}
	}
}

func TestAddLabelsNothingToAdd(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(http.StatusOK, labelsAnswer))
	c, _ := newClient(t, f, Options{})
	if err := c.AddLabels(t.Context(), "1", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.AddLabels(t.Context(), " ", []string{"x"}), mailwiki.EINVALID, false)
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests, want none", n)
	}
}
