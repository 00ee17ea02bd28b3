package connect

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerMethods: a wrong method is answered 405 in JSON, with an Allow
// header and an error naming the method to use, like every other error.
func TestHandlerMethods(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		path, allow, use string
		methods          []string
	}{
		{InstalledPath, "POST", "use POST", []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch, http.MethodHead}},
		{UninstalledPath, "POST", "use POST", []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch, http.MethodHead}},
		{DescriptorPath, "GET, HEAD", "use GET", []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions}},
	}
	for _, tt := range tests {
		for _, method := range tt.methods {
			rec := httptest.NewRecorder()
			b.handler.ServeHTTP(rec, httptest.NewRequest(method, testBaseURL+tt.path, nil))
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", method, tt.path, rec.Code)
				continue
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", method, tt.path, got, tt.allow)
			}
			if method == http.MethodHead {
				continue // no body
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s %s: Content-Type %q, want JSON", method, tt.path, ct)
			}
			if msg := errorBody(t, rec); !strings.Contains(msg, tt.use) {
				t.Errorf("%s %s: error %q, want it to say %q", method, tt.path, msg, tt.use)
			}
		}
	}
	if n := b.keys.hits.Load(); n != 0 || b.registry.installs != 0 {
		t.Errorf("%d key fetches, %d installs; want none", n, b.registry.installs)
	}
}
