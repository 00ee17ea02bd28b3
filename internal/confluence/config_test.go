package confluence

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// testClock is an injected clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// configBundle is one test's fake site, its client and a store reading it.
type configBundle struct {
	props *propStore
	fake  *fakeConfluence
	clock *testClock
	store *ConfigStore
	tn    mailwiki.Tenant
}

func setupConfig(t *testing.T) *configBundle {
	t.Helper()
	b := &configBundle{props: newPropStore(), clock: &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		tn: mailwiki.Tenant{ID: "tenant-1", Mode: mailwiki.ModeConnect}}
	var c *Client
	c, b.fake = newPropClient(t, b.props, Options{})
	b.store = b.newStore(c)
	return b
}

// newStore returns another process's store (its own cache) over the site.
func (b *configBundle) newStore(c *Client) *ConfigStore {
	return &ConfigStore{AppKey: testAppKey, Now: b.clock.Now,
		Client: func(context.Context, mailwiki.Tenant) (*Client, error) { return c, nil }}
}

// bigConfig is a configuration of about size bytes of JSON, with characters
// JSON escapes (quotes, backslashes, <>&, non-ASCII, U+2028).
func bigConfig(size int) mailwiki.TenantConfig {
	cfg := mailwiki.TenantConfig{Senders: mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly}}
	for i, n := 0, 0; n < size; i++ {
		a := mailwiki.AddressConfig{
			Address: fmt.Sprintf("list-%04d@mail.example.com", i), SpaceKey: "DOCS", ParentID: fmt.Sprint(98000 + i),
			ParentType: mailwiki.ParentFolder, ContentType: mailwiki.ContentPage,
			TitleFormat: `"{subject}" \ <Büro> & ✉ ` + "\u2028 {date} – {sender}",
		}
		e := fmt.Sprintf("sender-%04d@example.org", i)
		da, _ := json.Marshal(a)
		n += len(da) + len(e) + 4
		cfg.Addresses = append(cfg.Addresses, a)
		cfg.Senders.Entries = append(cfg.Senders.Entries, e)
	}
	cfg.Normalize()
	return cfg
}

func normalized(cfg mailwiki.TenantConfig) mailwiki.TenantConfig {
	cfg = cloneConfig(cfg)
	cfg.Normalize()
	return cfg
}

func TestConfigRoundTripSharded(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	want := bigConfig(100 << 10)
	if err := b.store.SaveConfig(t.Context(), b.tn, want); err != nil {
		t.Fatal(err)
	}
	var idx configIndex
	values := b.props.snapshot()
	if err := json.Unmarshal([]byte(values[ConfigIndexKey]), &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Version != 1 || idx.Shards < 4 || len(values) != idx.Shards+1 {
		t.Fatalf("index %+v with %d properties; want version 1, at least 4 shards for 100 KB", idx, len(values))
	}
	for i := range idx.Shards {
		v, ok := values[shardKey(idx.Generation, i)]
		var s string
		if !ok || len(v) > configShardBudget || json.Unmarshal([]byte(v), &s) != nil {
			t.Errorf("shard %d: present %v, %d bytes, want a JSON string of at most %d", i, ok, len(v), configShardBudget)
		}
	}
	got, err := b.newStore(mustClient(t, b)).Config(t.Context(), b.tn)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the configuration read back differs from the one saved")
	}
}

func mustClient(t *testing.T, b *configBundle) *Client {
	t.Helper()
	c, _ := newClient(t, b.fake, Options{})
	return c
}

func TestConfigEmptySite(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	got, err := b.store.Config(t.Context(), b.tn)
	if err != nil {
		t.Fatal(err)
	}
	if want := normalized(mailwiki.TenantConfig{}); !reflect.DeepEqual(got, want) {
		t.Errorf("config %+v, want %+v", got, want)
	}
}

// TestConfigWriteOrder checks a second save: the new generation's shards,
// then the index, then the old shards' deletion; nothing else is left.
func TestConfigWriteOrder(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	ctx := t.Context()
	if err := b.store.SaveConfig(ctx, b.tn, bigConfig(70<<10)); err != nil {
		t.Fatal(err)
	}
	before := b.props.snapshot()
	first := len(b.props.log())
	b.clock.Advance(time.Minute)
	if err := b.store.SaveConfig(ctx, b.tn, bigConfig(40<<10)); err != nil {
		t.Fatal(err)
	}
	var writes []propOp
	for _, op := range b.props.log()[first:] {
		if op.Method != http.MethodGet {
			writes = append(writes, op)
		}
	}
	indexAt := -1
	for i, op := range writes {
		if op.Key == ConfigIndexKey {
			indexAt = i
		}
	}
	for i, op := range writes {
		_, old := before[op.Key]
		switch {
		case i < indexAt && (op.Method != http.MethodPut || old):
			t.Errorf("write %d before the index: %s %s, want a PUT of a new shard", i, op.Method, op.Key)
		case i > indexAt && (op.Method != http.MethodDelete || !old):
			t.Errorf("write %d after the index: %s %s, want a DELETE of an old shard", i, op.Method, op.Key)
		}
	}
	after := b.props.snapshot()
	var idx configIndex
	_ = json.Unmarshal([]byte(after[ConfigIndexKey]), &idx)
	if len(after) != idx.Shards+1 {
		t.Errorf("%d properties left, want the index and %d shards", len(after), idx.Shards)
	}
}

// TestConfigReaderNeverSeesMix replays a save over an existing
// configuration write by write: after every prefix of its writes a reader
// gets either the old configuration or the new one, never an error.
func TestConfigReaderNeverSeesMix(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	ctx := t.Context()
	oldCfg, newCfg := bigConfig(70<<10), bigConfig(95<<10)
	newCfg.Senders.Mode = mailwiki.SendersEveryone
	if err := b.store.SaveConfig(ctx, b.tn, oldCfg); err != nil {
		t.Fatal(err)
	}
	initial, first := b.props.snapshot(), len(b.props.log())
	b.clock.Advance(time.Minute)
	if err := b.store.SaveConfig(ctx, b.tn, newCfg); err != nil {
		t.Fatal(err)
	}
	writes := b.props.log()[first:]
	for k := 0; k <= len(writes); k++ {
		replay := newPropStore()
		replay.values = maps.Clone(initial)
		for _, op := range writes[:k] {
			if op.Method != http.MethodGet {
				replay.apply(op)
			}
		}
		c, _ := newPropClient(t, replay, Options{})
		got, err := b.newStore(c).Config(ctx, b.tn)
		if err != nil {
			t.Fatalf("after %d writes: %v", k, err)
		}
		if !reflect.DeepEqual(got, oldCfg) && !reflect.DeepEqual(got, newCfg) {
			t.Fatalf("after %d writes: a configuration that is neither the old nor the new one", k)
		}
	}
}

// TestConfigShardDeletedUnderReader: a save completes between the reader's
// index and its first shard; the reader starts again and gets the new one.
func TestConfigShardDeletedUnderReader(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	ctx := t.Context()
	oldCfg, newCfg := bigConfig(40<<10), bigConfig(60<<10)
	if err := b.store.SaveConfig(ctx, b.tn, oldCfg); err != nil {
		t.Fatal(err)
	}
	var idx configIndex
	_ = json.Unmarshal([]byte(b.props.snapshot()[ConfigIndexKey]), &idx)
	writer := b.newStore(mustClient(t, b))
	b.props.mu.Lock()
	b.props.beforeGet = map[string]func(){shardKey(idx.Generation, 0): func() {
		b.clock.Advance(time.Second)
		if err := writer.SaveConfig(ctx, b.tn, newCfg); err != nil {
			t.Error(err)
		}
	}}
	b.props.mu.Unlock()
	got, err := b.newStore(mustClient(t, b)).Config(ctx, b.tn)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, newCfg) {
		t.Error("the reader did not get the new configuration")
	}
}

func TestConfigCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ttl, wait time.Duration
		reread    bool
	}{
		{"default TTL, fresh", 0, 9 * time.Second, false},
		{"default TTL, expired", 0, 10 * time.Second, true},
		{"short TTL, expired", 2 * time.Second, 3 * time.Second, true},
		{"TTL above the maximum is capped", 10 * time.Minute, 61 * time.Second, true},
		{"maximum TTL, fresh", time.Minute, 59 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupConfig(t)
			b.store.TTL = tt.ttl
			ctx := t.Context()
			if _, err := b.store.Config(ctx, b.tn); err != nil {
				t.Fatal(err)
			}
			n := len(b.props.log())
			b.clock.Advance(tt.wait)
			if _, err := b.store.Config(ctx, b.tn); err != nil {
				t.Fatal(err)
			}
			if reread := len(b.props.log()) > n; reread != tt.reread {
				t.Errorf("read from Confluence again: %v, want %v", reread, tt.reread)
			}
		})
	}
}

func TestConfigSaveUpdatesCache(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	ctx := t.Context()
	if _, err := b.store.Config(ctx, b.tn); err != nil {
		t.Fatal(err)
	}
	cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: " Docs@Mail.Example.com ", SpaceKey: "DOCS"}}}
	if err := b.store.SaveConfig(ctx, b.tn, cfg); err != nil {
		t.Fatal(err)
	}
	n := len(b.props.log())
	got, err := b.store.Config(ctx, b.tn)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.props.log()) != n {
		t.Error("Config after SaveConfig asked Confluence")
	}
	if !reflect.DeepEqual(got, normalized(cfg)) || cfg.Addresses[0].Address != " Docs@Mail.Example.com " {
		t.Errorf("config %+v; want the saved one normalized, the caller's unchanged", got)
	}
	got.Addresses[0].SpaceKey = "CHANGED"
	again, _ := b.store.Config(ctx, b.tn)
	if again.Addresses[0].SpaceKey != "DOCS" {
		t.Error("a caller's change reached the cache")
	}
}

func TestConfigCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(values map[string]string, idx configIndex)
	}{
		{"hash mismatch", func(v map[string]string, idx configIndex) {
			k := shardKey(idx.Generation, 1)
			v[k] = strings.Replace(v[k], "list-", "lost-", 1)
		}},
		{"shard not a JSON string", func(v map[string]string, idx configIndex) { v[shardKey(idx.Generation, 0)] = `{"a":1}` }},
		{"shard missing", func(v map[string]string, idx configIndex) { delete(v, shardKey(idx.Generation, 2)) }},
		{"index not an object", func(v map[string]string, _ configIndex) { v[ConfigIndexKey] = `"x"` }},
		{"index of a newer version", func(v map[string]string, _ configIndex) {
			v[ConfigIndexKey] = strings.Replace(v[ConfigIndexKey], `"version":1`, `"version":2`, 1)
		}},
		{"hashed but not a configuration", func(v map[string]string, _ configIndex) {
			v[ConfigIndexKey] = `{"version":1,"generation":"g","shards":1,"sha256":"080a9ed428559ef602668b4c00f114f1a11c3f6b02a435f0bdc154578e4d7f22"}`
			v["mailwiki-config-g-0"] = `"[1]"` // sha256("[1]"): right hash, wrong shape
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupConfig(t)
			ctx := t.Context()
			if err := b.store.SaveConfig(ctx, b.tn, bigConfig(100<<10)); err != nil {
				t.Fatal(err)
			}
			var idx configIndex
			b.props.mu.Lock()
			_ = json.Unmarshal([]byte(b.props.values[ConfigIndexKey]), &idx)
			tt.damage(b.props.values, idx)
			b.props.mu.Unlock()
			reader := b.newStore(mustClient(t, b))
			_, err := reader.Config(ctx, b.tn)
			wantCode(t, err, mailwiki.ECONFIG, true)
			if tt.name == "hashed but not a configuration" && strings.Contains(err.Error(), "sha256") {
				t.Errorf("error %v: the hash was right, the shape was not", err)
			}
			if !strings.Contains(mailwiki.ErrorMessage(err), "saving the configuration again") {
				t.Errorf("message %q does not say how to repair", mailwiki.ErrorMessage(err))
			}
			repaired := bigConfig(10 << 10)
			if err := reader.SaveConfig(ctx, b.tn, repaired); err != nil {
				t.Fatalf("saving over the damage: %v", err)
			}
			if got, err := b.newStore(mustClient(t, b)).Config(ctx, b.tn); err != nil || !reflect.DeepEqual(got, repaired) {
				t.Errorf("after saving again: %v", err)
			}
		})
	}
}

// TestConfigFailedSaveKeepsOld: a shard refused before the index is written
// leaves the previous configuration in force; the leftovers are swept by a
// later save once they are old enough.
func TestConfigFailedSaveKeepsOld(t *testing.T) {
	t.Parallel()
	b := setupConfig(t)
	ctx := t.Context()
	oldCfg := bigConfig(40 << 10)
	if err := b.store.SaveConfig(ctx, b.tn, oldCfg); err != nil {
		t.Fatal(err)
	}
	b.props.mu.Lock()
	b.props.fail = func(op propOp) int {
		if op.Method == http.MethodPut && strings.HasSuffix(op.Key, "-2") {
			return http.StatusBadRequest
		}
		return 0
	}
	b.props.mu.Unlock()
	b.clock.Advance(time.Minute)
	err := b.store.SaveConfig(ctx, b.tn, bigConfig(100<<10))
	wantCode(t, err, mailwiki.EINVALID, false)
	got, err := b.store.Config(ctx, b.tn)
	if err != nil || !reflect.DeepEqual(got, oldCfg) {
		t.Fatalf("after a failed save: %v; want the old configuration", err)
	}
	leftovers := len(b.props.snapshot())
	b.props.mu.Lock()
	b.props.fail = nil
	b.props.mu.Unlock()
	b.clock.Advance(orphanAge / 2)
	if err := b.store.SaveConfig(ctx, b.tn, oldCfg); err != nil {
		t.Fatal(err)
	}
	if n := len(b.props.snapshot()); n != leftovers {
		t.Errorf("%d properties after a save %s later, want the young leftovers kept (%d)", n, orphanAge/2, leftovers)
	}
	b.clock.Advance(orphanAge)
	if err := b.store.SaveConfig(ctx, b.tn, oldCfg); err != nil {
		t.Fatal(err)
	}
	var idx configIndex
	after := b.props.snapshot()
	_ = json.Unmarshal([]byte(after[ConfigIndexKey]), &idx)
	if len(after) != idx.Shards+1 {
		t.Errorf("%d properties left after the sweep, want the index and its %d shards", len(after), idx.Shards)
	}
}

func TestConfigStoreMisconfigured(t *testing.T) {
	t.Parallel()
	s := &ConfigStore{}
	_, err := s.Config(t.Context(), mailwiki.Tenant{ID: "t"})
	wantCode(t, err, mailwiki.ECONFIG, false)
}
