package tenant_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mailwiki/mailwiki/internal/tenant"
)

func TestAuthHeaders(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Authorization") }))
	defer srv.Close()
	tests := []struct {
		name string
		rt   http.RoundTripper
		want string
	}{
		{"basic", tenant.BasicAuth("me@example.com", "api-token-1", nil),
			"Basic " + base64.StdEncoding.EncodeToString([]byte("me@example.com:api-token-1"))},
		{"bearer", tenant.BearerAuth("pat-XYZ", nil), "Bearer pat-XYZ"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		resp, err := tt.rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got != tt.want {
			t.Errorf("%s: Authorization %q, want %q", tt.name, got, tt.want)
		}
		if req.Header.Get("Authorization") != "" {
			t.Errorf("%s: RoundTrip set Authorization on the caller's request", tt.name)
		}
	}
}
