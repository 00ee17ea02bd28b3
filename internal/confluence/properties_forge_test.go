package confluence

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

const forgePropsPath = "/wiki/api/v2/app/properties"

func newForgePropStore() *propStore { return &propStore{forge: true, values: map[string]string{}} }

func (p *propStore) path() string {
	if p.forge {
		return forgePropsPath
	}
	return propsPath
}

// forgeReply answers op as Atlassian documents REST v2's Forge app
// properties: GET {key, value}; PUT of a JSON object, 201 created or 200
// updated, no body; DELETE 204 (404 for a missing key: undocumented); the
// listing {results, _links.next} paged by cursor and limit. p.mu is held.
func (p *propStore) forgeReply(op propOp, q url.Values) reply {
	switch {
	case len(op.Key) > MaxAppPropertyKeyLen:
		return v2Error(http.StatusBadRequest, "Property key longer than 127 characters")
	case op.Method == http.MethodGet && op.Key == "":
		return p.forgeList(q)
	case op.Method == http.MethodGet:
		v, ok := p.values[op.Key]
		if !ok {
			return v2Error(http.StatusNotFound, "App property not found")
		}
		b, _ := json.Marshal(map[string]any{"key": op.Key, "value": json.RawMessage(v)})
		return reply{body: string(b)}
	case op.Method == http.MethodPut:
		var obj map[string]any
		if json.Unmarshal([]byte(op.Value), &obj) != nil || obj == nil {
			return v2Error(http.StatusBadRequest, "request made with invalid JSON")
		}
		rep := p.apply(op)
		rep.body = ""
		return rep
	}
	return p.apply(op)
}

// forgeList pages the sorted keys: the cursor is the last key returned.
func (p *propStore) forgeList(q url.Values) reply {
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 {
		limit = 50
	}
	keys := slices.Sorted(maps.Keys(p.values))
	if c := q.Get("cursor"); c != "" {
		keys = slices.DeleteFunc(keys, func(k string) bool { return k <= c })
	}
	results := []map[string]any{}
	for _, k := range keys[:min(limit, len(keys))] {
		results = append(results, map[string]any{"key": k, "value": json.RawMessage(p.values[k])})
	}
	links := map[string]string{"base": "https://acme.atlassian.net/wiki"}
	if len(keys) > limit {
		links["next"] = forgePropsPath + "?" + url.Values{"cursor": {keys[limit-1]}, "limit": {strconv.Itoa(limit)}}.Encode()
	}
	b, _ := json.Marshal(map[string]any{"results": results, "_links": links})
	return reply{body: string(b)}
}

func v2Error(status int, title string) reply {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"status": status, "code": http.StatusText(status), "title": title}}})
	return reply{status: status, body: string(b)}
}

func TestForgeAppPropertyCRUD(t *testing.T) {
	t.Parallel()
	p := newForgePropStore()
	c, f := newPropClient(t, p, Options{})
	ctx := t.Context()
	value := json.RawMessage(`{"version":1,"shards":2}`)
	if err := c.SetForgeAppProperty(ctx, "mailwiki-config", value); err != nil {
		t.Fatal(err)
	}
	put := f.requests()[0]
	if put.Method != http.MethodPut || put.Path != forgePropsPath+"/mailwiki-config" || string(put.Body) != string(value) ||
		put.Header.Get("Content-Type") != "application/json" {
		t.Errorf("PUT %s %s %q (%s), want the raw value PUT to %s/mailwiki-config", put.Method, put.Path, put.Body,
			put.Header.Get("Content-Type"), forgePropsPath)
	}
	got, err := c.ForgeAppProperty(ctx, "mailwiki-config")
	if err != nil || string(got) != string(value) {
		t.Fatalf("ForgeAppProperty = %s, %v; want %s", got, err, value)
	}
	keys, err := c.ForgeAppPropertyKeys(ctx)
	if err != nil || !slices.Equal(keys, []string{"mailwiki-config"}) {
		t.Fatalf("ForgeAppPropertyKeys = %v, %v", keys, err)
	}
	if err := c.DeleteForgeAppProperty(ctx, "mailwiki-config"); err != nil {
		t.Fatal(err)
	}
	_, err = c.ForgeAppProperty(ctx, "mailwiki-config")
	wantCode(t, err, mailwiki.ENOTFOUND, false)
	if err := c.DeleteForgeAppProperty(ctx, "mailwiki-config"); err != nil {
		t.Errorf("deleting a missing property: %v", err)
	}
	for _, r := range f.requests() {
		if !strings.HasPrefix(r.Path, forgePropsPath) {
			t.Errorf("%s %s: outside %s", r.Method, r.Path, forgePropsPath)
		}
	}
}

// TestForgeAppPropertyAnswers checks each call against the documented
// answers, one canned reply at a time.
func TestForgeAppPropertyAnswers(t *testing.T) {
	t.Parallel()
	get := func(c *Client) (string, error) {
		v, err := c.ForgeAppProperty(t.Context(), "a/b c")
		return string(v), err
	}
	set := func(c *Client) (string, error) {
		return "", c.SetForgeAppProperty(t.Context(), "a/b c", json.RawMessage(`{"part":"x"}`))
	}
	del := func(c *Client) (string, error) { return "", c.DeleteForgeAppProperty(t.Context(), "a/b c") }
	tests := []struct {
		name       string
		call       func(c *Client) (string, error)
		rep        reply
		method     string
		want, code string // want: the value; code: the error's, "" for none
		temporary  bool
	}{
		{"GET {key, value}", get, reply{body: `{"key":"a/b c","value":{"a":[1,"x"]}}`}, http.MethodGet, `{"a":[1,"x"]}`, "", false},
		{"GET a string value", get, reply{body: `{"key":"a/b c","value":"s"}`}, http.MethodGet, `"s"`, "", false},
		{"GET 404", get, v2Error(404, "App property not found"), http.MethodGet, "", mailwiki.ENOTFOUND, false},
		{"GET 200 without a value", get, reply{body: `{"key":"a/b c"}`}, http.MethodGet, "", mailwiki.EUNAVAILABLE, true},
		{"GET 403 impersonated", get, v2Error(403, "Forbidden"), http.MethodGet, "", mailwiki.EFORBIDDEN, true},
		{"PUT 201 created, no body", set, reply{status: 201}, http.MethodPut, "", "", false},
		{"PUT 200 updated", set, reply{status: 200}, http.MethodPut, "", "", false},
		{"PUT 400 invalid JSON", set, v2Error(400, "request made with invalid JSON"), http.MethodPut, "", mailwiki.EINVALID, false},
		{"DELETE 204", del, reply{status: 204}, http.MethodDelete, "", "", false},
		{"DELETE 404", del, v2Error(404, "App property not found"), http.MethodDelete, "", "", false},
		{"DELETE 401", del, v2Error(401, "Unauthorized"), http.MethodDelete, "", mailwiki.EUNAUTHORIZED, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(int, recorded) reply { return tt.rep })
			c, _ := newClient(t, f, Options{MaxAttempts: 1})
			got, err := tt.call(c)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.temporary)
			} else if err != nil || got != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
			r := f.only(t)
			if r.Method != tt.method || r.Path != forgePropsPath+"/a%2Fb%20c" {
				t.Errorf("request %s %s, want %s %s/a%%2Fb%%20c", r.Method, r.Path, tt.method, forgePropsPath)
			}
		})
	}
}

func TestSetForgeAppPropertyRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key string
		value     json.RawMessage
		code      string
	}{
		{"not JSON", "k", json.RawMessage(`{"a":`), mailwiki.EINVALID},
		{"empty value", "k", nil, mailwiki.EINVALID},
		{"a string", "k", json.RawMessage(`"s"`), mailwiki.EINVALID},
		{"an array", "k", json.RawMessage(`[{"a":1}]`), mailwiki.EINVALID},
		{"too large", "k", json.RawMessage(`{"a":"` + strings.Repeat("x", MaxAppPropertyLen) + `"}`), mailwiki.ETOOLARGE},
		{"empty key", "", json.RawMessage(`{}`), mailwiki.EINVALID},
		{"long key", strings.Repeat("k", 128), json.RawMessage(`{}`), mailwiki.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, ``))
			c, _ := newClient(t, f, Options{})
			wantCode(t, c.SetForgeAppProperty(t.Context(), tt.key, tt.value), tt.code, false)
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestForgeAppPropertyKeysPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n        int
		requests int
	}{
		{"none", 0, 1},
		{"one page", 50, 1},
		{"three pages", 120, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newForgePropStore()
			var want []string
			for i := range tt.n {
				k := fmt.Sprintf("key-%03d", i)
				p.values[k], want = `{}`, append(want, k)
			}
			c, f := newPropClient(t, p, Options{})
			got, err := c.ForgeAppPropertyKeys(t.Context())
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("keys %v, %v; want %d keys in order", got, err, tt.n)
			}
			reqs := f.requests()
			if len(reqs) != tt.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.requests)
			}
			for i, r := range reqs {
				wantCursor := ""
				if i > 0 {
					wantCursor = want[50*i-1]
				}
				if r.Path != forgePropsPath || r.Query.Get("limit") != "50" || r.Query.Get("cursor") != wantCursor {
					t.Errorf("request %d: %s?%s, want limit 50 and cursor %q", i, r.Path, r.Query.Encode(), wantCursor)
				}
			}
		})
	}
}

// TestForgeAppPropertyKeysRepeatedCursor: a listing whose next link never
// moves on is followed once, not forever.
func TestForgeAppPropertyKeysRepeatedCursor(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{"results":[{"key":"k","value":{}}],"_links":{"next":"/wiki/api/v2/app/properties?cursor=k&limit=50"}}`))
	c, _ := newClient(t, f, Options{})
	keys, err := c.ForgeAppPropertyKeys(t.Context())
	if err != nil || len(keys) != 2 || len(f.requests()) != 2 {
		t.Errorf("keys %v, %v after %d requests; want the two pages once each", keys, err, len(f.requests()))
	}
}
