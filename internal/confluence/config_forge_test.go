package confluence

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// twoSites is one ConfigStore serving a Connect tenant and a Forge tenant,
// each with its own fake site.
type twoSites struct {
	props map[string]*propStore // by tenant mode
	fakes map[string]*fakeConfluence
	store func() *ConfigStore // another process's store over the same sites
	clock *testClock
}

func setupTwoSites(t *testing.T) *twoSites {
	t.Helper()
	s := &twoSites{clock: &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		props: map[string]*propStore{mailwiki.ModeConnect: newPropStore(), mailwiki.ModeForge: newForgePropStore()},
		fakes: map[string]*fakeConfluence{}}
	clients := map[string]*Client{}
	for mode, p := range s.props {
		clients[mode], s.fakes[mode] = newPropClient(t, p, Options{})
	}
	s.store = func() *ConfigStore {
		return &ConfigStore{AppKey: testAppKey, Now: s.clock.Now,
			Client: func(_ context.Context, tn mailwiki.Tenant) (*Client, error) { return clients[tn.Mode], nil }}
	}
	return s
}

// TestConfigRoundTripByMode saves a sharded configuration twice through one
// store for a tenant of each mode: each tenant's site sees only its own
// property API, with the same layout; the other site sees nothing.
func TestConfigRoundTripByMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode, prefix, other string
		shard               func(raw string) (string, bool) // the shard's part, and whether the form is right
	}{
		{mailwiki.ModeConnect, propsPath, mailwiki.ModeForge, func(raw string) (string, bool) {
			var s string
			return s, json.Unmarshal([]byte(raw), &s) == nil && len(raw) <= configShardBudget
		}},
		{mailwiki.ModeForge, forgePropsPath, mailwiki.ModeConnect, func(raw string) (string, bool) {
			var o struct{ Part *string }
			if json.Unmarshal([]byte(raw), &o) != nil || o.Part == nil || len(raw) > MaxAppPropertyLen {
				return "", false
			}
			return *o.Part, true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			s := setupTwoSites(t)
			tn := mailwiki.Tenant{ID: "tenant-" + tt.mode, Mode: tt.mode}
			store, ctx := s.store(), t.Context()
			if err := store.SaveConfig(ctx, tn, bigConfig(70<<10)); err != nil {
				t.Fatal(err)
			}
			s.clock.Advance(time.Minute)
			want := bigConfig(100 << 10)
			if err := store.SaveConfig(ctx, tn, want); err != nil {
				t.Fatal(err)
			}
			values := s.props[tt.mode].snapshot()
			var idx configIndex
			if err := json.Unmarshal([]byte(values[ConfigIndexKey]), &idx); err != nil || idx.Shards < 4 || len(values) != idx.Shards+1 {
				t.Fatalf("index %+v (%v) with %d properties; want at least 4 shards and nothing else", idx, err, len(values))
			}
			var joined string
			for i := range idx.Shards {
				part, ok := tt.shard(values[shardKey(idx.Generation, i)])
				if !ok {
					t.Fatalf("shard %d is not in the %s form: %.60s…", i, tt.mode, values[shardKey(idx.Generation, i)])
				}
				joined += part
			}
			if b, _ := json.Marshal(want); joined != string(b) {
				t.Error("the shards joined are not the configuration's JSON")
			}
			got, err := s.store().Config(ctx, tn)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("read back by another store: %v; want the configuration saved", err)
			}
			for _, r := range s.fakes[tt.mode].requests() {
				if !strings.HasPrefix(r.Path, tt.prefix) {
					t.Errorf("%s %s: outside %s", r.Method, r.Path, tt.prefix)
				}
			}
			if n := len(s.fakes[tt.other].requests()); n != 0 {
				t.Errorf("the %s site received %d requests", tt.other, n)
			}
		})
	}
}

// TestConfigOneStoreBothModes: one store and its cache serve a tenant of
// each mode side by side.
func TestConfigOneStoreBothModes(t *testing.T) {
	t.Parallel()
	s := setupTwoSites(t)
	store, ctx := s.store(), t.Context()
	cfgs := map[string]mailwiki.TenantConfig{mailwiki.ModeConnect: bigConfig(40 << 10), mailwiki.ModeForge: bigConfig(60 << 10)}
	for mode, cfg := range cfgs {
		if err := store.SaveConfig(ctx, mailwiki.Tenant{ID: "t-" + mode, Mode: mode}, cfg); err != nil {
			t.Fatal(err)
		}
	}
	for mode, cfg := range cfgs {
		got, err := s.store().Config(ctx, mailwiki.Tenant{ID: "t-" + mode, Mode: mode})
		if err != nil || !reflect.DeepEqual(got, cfg) {
			t.Errorf("%s tenant: %v; want its own configuration", mode, err)
		}
	}
}

func TestConfigStoreAppKeyByMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, appKey, mode string
		noClient           bool
		code               string // "" for success
	}{
		{"Forge tenant without an app key", "", mailwiki.ModeForge, false, ""},
		{"Connect tenant without an app key", "", mailwiki.ModeConnect, false, mailwiki.ECONFIG},
		{"Forge tenant without a client factory", testAppKey, mailwiki.ModeForge, true, mailwiki.ECONFIG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := setupTwoSites(t)
			store := s.store()
			store.AppKey = tt.appKey
			if tt.noClient {
				store.Client = nil
			}
			tn := mailwiki.Tenant{ID: "t", Mode: tt.mode}
			err := store.SaveConfig(t.Context(), tn, bigConfig(1<<10))
			if tt.code != "" {
				wantCode(t, err, tt.code, false)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.store().Config(t.Context(), tn); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, want string
		corrupt         bool
	}{
		{"JSON string (Connect)", `"a\"b"`, `a"b`, false},
		{"object with part (Forge)", `{"part":"a\"b"}`, `a"b`, false},
		{"object with an empty part", `{"part":""}`, ``, false},
		{"object without part", `{"a":1}`, "", true},
		{"part not a string", `{"part":1}`, "", true},
		{"array", `["a"]`, "", true},
		{"number", `1`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeShard("k", json.RawMessage(tt.raw))
			if tt.corrupt {
				wantCode(t, err, mailwiki.ECONFIG, true)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("decodeShard(%s) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
			if enc := encodeShard(mustJSONString(t, tt.want), true); !isJSONObject(enc) {
				t.Errorf("encodeShard for Forge = %s, want an object", enc)
			}
		})
	}
}

func mustJSONString(t *testing.T, s string) json.RawMessage {
	t.Helper()
	v, err := jsonString([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConfigForgeShardRefused: a Forge site refusing a shard leaves the
// previous configuration in force, as for Connect.
func TestConfigForgeShardRefused(t *testing.T) {
	t.Parallel()
	s := setupTwoSites(t)
	tn := mailwiki.Tenant{ID: "t", Mode: mailwiki.ModeForge}
	store, ctx := s.store(), t.Context()
	old := bigConfig(40 << 10)
	if err := store.SaveConfig(ctx, tn, old); err != nil {
		t.Fatal(err)
	}
	p := s.props[mailwiki.ModeForge]
	p.mu.Lock()
	p.fail = func(op propOp) int {
		if op.Method == http.MethodPut && strings.HasSuffix(op.Key, "-1") {
			return http.StatusBadRequest
		}
		return 0
	}
	p.mu.Unlock()
	s.clock.Advance(time.Minute)
	wantCode(t, store.SaveConfig(ctx, tn, bigConfig(80<<10)), mailwiki.EINVALID, false)
	if got, err := s.store().Config(ctx, tn); err != nil || !reflect.DeepEqual(got, old) {
		t.Fatalf("after a refused shard: %v; want the old configuration", err)
	}
}
