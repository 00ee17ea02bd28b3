package connect

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, testBaseURL+DescriptorPath, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var d map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"key":            testAppKey,
		"name":           "mailwiki",
		"description":    descriptorDescription,
		"baseUrl":        testBaseURL,
		"vendor":         map[string]any{"name": "mailwiki", "url": testBaseURL},
		"authentication": map[string]any{"type": "jwt"},
		"lifecycle":      map[string]any{"installed": "/connect/installed", "uninstalled": "/connect/uninstalled"},
		"scopes":         []any{"READ", "WRITE"},
		"apiMigrations":  map[string]any{"signed-install": true, "context-qsh": true},
		"modules": map[string]any{
			"adminPages": []any{map[string]any{
				"key": "mailwiki-admin", "name": map[string]any{"value": "mailwiki"}, "url": "/admin/",
			}},
			// one object, not a list: Manage apps' "Configure" button
			"configurePage": map[string]any{
				"key": "mailwiki-configure", "name": map[string]any{"value": "mailwiki"}, "url": "/admin/",
			},
		},
	}
	for k, v := range want {
		if got, _ := json.Marshal(d[k]); string(got) != mustJSON(t, v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
	if extra := slicesDiff(maps.Keys(d), want); len(extra) > 0 {
		t.Errorf("unexpected fields %v", extra)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func slicesDiff(keys func(func(string) bool), want map[string]any) []string {
	var extra []string
	for k := range keys {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	return extra
}
