package confluence

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mailwiki/mailwiki"
)

const testAppKey = "com.example.mailwiki"

// propOp is one request the fake property store received.
type propOp struct {
	Method, Key, Value string // Key "" for the key listing
}

// propStore is a fake of Connect's app properties resource, or with forge
// set of REST v2's Forge app properties (see forgeReply): it keeps values in
// memory and logs every operation in the order received. beforeGet, when
// set, runs (once, outside the lock) before a GET of the key it names.
type propStore struct {
	forge     bool
	mu        sync.Mutex
	values    map[string]string
	ops       []propOp
	fail      func(op propOp) int // a status to answer instead, 0: none
	beforeGet map[string]func()
}

func newPropStore() *propStore { return &propStore{values: map[string]string{}} }

const propsPath = "/wiki/rest/atlassian-connect/1/addons/" + testAppKey + "/properties"

func (p *propStore) respond(_ int, r recorded) reply {
	rest, ok := strings.CutPrefix(r.Path, p.path())
	if !ok {
		return reply{status: http.StatusNotFound, body: `{"message":"no such resource"}`}
	}
	key, _ := url.PathUnescape(strings.TrimPrefix(rest, "/"))
	op := propOp{Method: r.Method, Key: key, Value: string(r.Body)}
	if r.Method == http.MethodGet && key != "" {
		p.runBeforeGet(key)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops = append(p.ops, op)
	if p.fail != nil {
		if status := p.fail(op); status != 0 {
			return reply{status: status, body: `{"message":"refused","statusCode":` + strconv.Itoa(status) + `}`}
		}
	}
	if p.forge {
		return p.forgeReply(op, r.Query)
	}
	return p.apply(op)
}

func (p *propStore) runBeforeGet(key string) {
	p.mu.Lock()
	f := p.beforeGet[key]
	delete(p.beforeGet, key)
	p.mu.Unlock()
	if f != nil {
		f()
	}
}

// apply performs op on the values; p.mu is held.
func (p *propStore) apply(op propOp) reply {
	notFound := reply{status: http.StatusNotFound, body: `{"message":"Property with key not found.","statusCode":404}`}
	switch {
	case op.Method == http.MethodGet && op.Key == "":
		keys := make([]map[string]string, 0, len(p.values))
		for _, k := range slices.Sorted(maps.Keys(p.values)) {
			keys = append(keys, map[string]string{"key": k, "self": "https://acme.atlassian.net" + propsPath + "/" + k})
		}
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return reply{body: string(b)}
	case op.Method == http.MethodGet:
		v, ok := p.values[op.Key]
		if !ok {
			return notFound
		}
		b, _ := json.Marshal(map[string]any{"key": op.Key, "value": json.RawMessage(v), "self": "https://acme.atlassian.net" + propsPath + "/" + op.Key})
		return reply{body: string(b)}
	case op.Method == http.MethodPut:
		_, existed := p.values[op.Key]
		p.values[op.Key] = op.Value
		if existed {
			return reply{body: `{"message":"Property updated.","statusCode":200}`}
		}
		return reply{status: http.StatusCreated, body: `{"message":"Property created.","statusCode":201}`}
	case op.Method == http.MethodDelete:
		if _, ok := p.values[op.Key]; !ok {
			return notFound
		}
		delete(p.values, op.Key)
		return reply{status: http.StatusNoContent}
	}
	return reply{status: http.StatusMethodNotAllowed}
}

func (p *propStore) log() []propOp {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ops)
}

func (p *propStore) snapshot() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.values)
}

// newPropClient starts a fake site holding p's properties.
func newPropClient(t *testing.T, p *propStore, opts Options) (*Client, *fakeConfluence) {
	t.Helper()
	f := newFake(t, p.respond)
	c, _ := newClient(t, f, opts)
	return c, f
}

func TestAppPropertyCRUD(t *testing.T) {
	t.Parallel()
	p := newPropStore()
	c, f := newPropClient(t, p, Options{})
	ctx := t.Context()
	value := json.RawMessage(`{"version":1,"shards":2}`)
	if err := c.SetAppProperty(ctx, testAppKey, "mailwiki-config", value); err != nil {
		t.Fatal(err)
	}
	put := f.requests()[0]
	if put.Method != http.MethodPut || put.Path != propsPath+"/mailwiki-config" || string(put.Body) != string(value) ||
		put.Header.Get("Content-Type") != "application/json" {
		t.Errorf("PUT %s %s %q (%s)", put.Method, put.Path, put.Body, put.Header.Get("Content-Type"))
	}
	got, err := c.AppProperty(ctx, testAppKey, "mailwiki-config")
	if err != nil || string(got) != string(value) {
		t.Fatalf("AppProperty = %s, %v; want %s", got, err, value)
	}
	keys, err := c.AppPropertyKeys(ctx, testAppKey)
	if err != nil || !slices.Equal(keys, []string{"mailwiki-config"}) {
		t.Fatalf("AppPropertyKeys = %v, %v", keys, err)
	}
	if err := c.DeleteAppProperty(ctx, testAppKey, "mailwiki-config"); err != nil {
		t.Fatal(err)
	}
	_, err = c.AppProperty(ctx, testAppKey, "mailwiki-config")
	wantCode(t, err, mailwiki.ENOTFOUND, false)
	if err := c.DeleteAppProperty(ctx, testAppKey, "mailwiki-config"); err != nil {
		t.Errorf("deleting a missing property: %v", err)
	}
}

func TestAppPropertyKeyEscaped(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{"key":"a/b c","value":true}`))
	c, _ := newClient(t, f, Options{})
	if _, err := c.AppProperty(t.Context(), testAppKey, "a/b c"); err != nil {
		t.Fatal(err)
	}
	if got, want := f.only(t).Path, propsPath+"/a%2Fb%20c"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}

func TestSetAppPropertyRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, appKey, key string
		value             json.RawMessage
		code              string
	}{
		{"not JSON", testAppKey, "k", json.RawMessage(`{"a":`), mailwiki.EINVALID},
		{"empty value", testAppKey, "k", nil, mailwiki.EINVALID},
		{"too large", testAppKey, "k", json.RawMessage(`"` + strings.Repeat("x", MaxAppPropertyLen) + `"`), mailwiki.ETOOLARGE},
		{"empty key", testAppKey, "", json.RawMessage(`1`), mailwiki.EINVALID},
		{"long key", testAppKey, strings.Repeat("k", 128), json.RawMessage(`1`), mailwiki.EINVALID},
		{"no app key", "", "k", json.RawMessage(`1`), mailwiki.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(200, `{}`))
			c, _ := newClient(t, f, Options{})
			wantCode(t, c.SetAppProperty(t.Context(), tt.appKey, tt.key, tt.value), tt.code, false)
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestAppPropertyRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		call     func(c *Client) error
		replies  []reply
		wantErr  string // code, "" for success
		requests int
	}{
		{"PUT retried after 503", func(c *Client) error {
			return c.SetAppProperty(t.Context(), testAppKey, "k", json.RawMessage(`1`))
		}, []reply{{status: 503}, {status: 200, body: `{}`}}, "", 2},
		{"DELETE whose first answer was lost", func(c *Client) error {
			return c.DeleteAppProperty(t.Context(), testAppKey, "k")
		}, []reply{{status: 502}, {status: 404, body: `{"statusCode":404}`}}, "", 2},
		{"GET refused credentials", func(c *Client) error {
			_, err := c.AppProperty(t.Context(), testAppKey, "k")
			return err
		}, []reply{{status: 401, body: `{"message":"Access to this resource must be authenticated as an app.","statusCode":401}`}}, mailwiki.EUNAUTHORIZED, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(n int, _ recorded) reply { return tt.replies[min(n, len(tt.replies)-1)] })
			c, _ := newClient(t, f, Options{})
			err := tt.call(c)
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr, true)
			}
			if n := len(f.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}
