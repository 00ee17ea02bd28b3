package tenant_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// fakeConfigs is a ConfigSource holding each site's configuration in
// memory, as its Confluence would; failSave makes the next save fail.
type fakeConfigs struct {
	mu       sync.Mutex
	cfgs     map[string]mailwiki.TenantConfig
	failSave bool
	slow     bool // each save waits a moment first, as a remote write does
}

func (f *fakeConfigs) Config(_ context.Context, t mailwiki.Tenant) (mailwiki.TenantConfig, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfgs[t.ID]
	c.Normalize()
	return c, nil
}

func (f *fakeConfigs) SaveConfig(_ context.Context, t mailwiki.Tenant, cfg mailwiki.TenantConfig) error {
	f.mu.Lock()
	if f.slow {
		f.mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
		f.mu.Lock()
	}
	defer f.mu.Unlock()
	if f.failSave {
		f.failSave = false
		return mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "confluence answered 503")
	}
	f.cfgs[t.ID] = cfg
	return nil
}

// fakeSite has the spaces DOCS (id 1) and HR (id 2); page 10 and folder
// 20 in DOCS, folder 30 in HR. Like REST v2, a folder does not say its
// space: only a search of the space finds it.
type fakeSite struct{}

func (fakeSite) SpaceByKey(_ context.Context, key string) (mailwiki.Space, error) {
	switch key {
	case "DOCS":
		return mailwiki.Space{ID: "1", Key: key}, nil
	case "HR":
		return mailwiki.Space{ID: "2", Key: key}, nil
	}
	return mailwiki.Space{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "no space")
}
func (fakeSite) Spaces(context.Context) ([]mailwiki.Space, error) {
	return []mailwiki.Space{{ID: "1", Key: "DOCS"}, {ID: "2", Key: "HR"}}, nil
}
func (fakeSite) Parents(_ context.Context, space, _ string) ([]mailwiki.Parent, error) {
	if space == "DOCS" {
		return []mailwiki.Parent{{ID: "10", Type: mailwiki.ParentPage}, {ID: "20", Type: mailwiki.ParentFolder}}, nil
	}
	return []mailwiki.Parent{{ID: "30", Type: mailwiki.ParentFolder}}, nil
}
func (fakeSite) PageOrFolder(_ context.Context, id string) (mailwiki.Parent, error) {
	switch id {
	case "10":
		return mailwiki.Parent{ID: id, Title: "Minutes", Type: mailwiki.ParentPage, SpaceID: "1"}, nil
	case "20", "30":
		return mailwiki.Parent{ID: id, Title: "Inbox " + id, Type: mailwiki.ParentFolder}, nil
	}
	return mailwiki.Parent{}, mailwiki.Errorf(mailwiki.ENOTFOUND, "no content")
}

type hostedBundle struct {
	h       *tenant.Hosted
	db      *sqlite.DB
	configs *fakeConfigs
	dbPath  string
	purged  []string
}

func newHosted(t *testing.T, hashKeys map[string][]byte, primary string) *hostedBundle {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	kr, err := spool.NewKeyring("m1", map[string][]byte{"m1": bytes.Repeat([]byte{7}, spool.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := tenant.NewHasher(primary, hashKeys)
	if err != nil {
		t.Fatal(err)
	}
	b := &hostedBundle{db: db, configs: &fakeConfigs{cfgs: map[string]mailwiki.TenantConfig{}}, dbPath: path}
	b.h = &tenant.Hosted{Store: db, Sealer: kr, Hash: hasher, Configs: b.configs,
		Site:        func(context.Context, mailwiki.Tenant) (tenant.Site, error) { return fakeSite{}, nil },
		Sign:        func(_ mailwiki.Registration, base http.RoundTripper) http.RoundTripper { return base },
		MailDomains: []string{"wiki.example.com"},
		Purge:       func(_ context.Context, id string) error { b.purged = append(b.purged, id); return nil },
		Now:         func() time.Time { return time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC) },
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return b
}

func install(t *testing.T, h *tenant.Hosted, id, secret string) {
	t.Helper()
	err := h.Install(context.Background(), mailwiki.Registration{Tenant: mailwiki.Tenant{ID: id, Mode: mailwiki.ModeConnect,
		BaseURL: "https://" + id + ".atlassian.net/wiki", Flavor: mailwiki.FlavorCloud}, AppKey: "mailwiki", Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	h.Wait() // its hashes restored from the site, if it has a configuration
}

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestHostedInstallRouteAndSave(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	install(t, b.h, "site-a", "secret-a")
	if got, err := b.h.Secret(ctx, "site-a"); err != nil || string(got) != "secret-a" {
		t.Fatalf("secret %q, %v", got, err)
	}
	cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{
		{Address: " Docs@Wiki.Example.com ", SpaceKey: "DOCS", ParentID: "20"},
		{Address: "news@wiki.example.com", SpaceKey: "HR", ContentType: mailwiki.ContentBlogPost, TitleFormat: "{date} {subject}"},
	}, Senders: mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly, Entries: []string{"@partner.test", ".example.org"}}}
	saved, err := b.h.SaveConfig(ctx, "site-a", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Addresses[0].Address != "docs@wiki.example.com" || saved.Addresses[0].ParentType != mailwiki.ParentFolder {
		t.Fatalf("saved %+v: want normalised address and the parent type read from the site", saved.Addresses[0])
	}
	if id, err := b.h.Lookup(ctx, "DOCS@wiki.example.com"); err != nil || id != "site-a" {
		t.Fatalf("lookup %q, %v", id, err)
	}
	r, err := b.h.Route(ctx, "news@wiki.example.com")
	if err != nil || r.SpaceKey != "HR" || r.ContentType != mailwiki.ContentBlogPost || r.TitleFormat != "{date} {subject}" || r.TenantID != "site-a" {
		t.Fatalf("route %+v, %v", r, err)
	}
	for _, c := range []struct {
		sender string
		want   bool
	}{{"bob@partner.test", true}, {"bob@sub.partner.test", false}, {"ann@example.org", true}, {"ann@a.b.example.org", true}, {"eve@evil.test", false}} {
		got, err := false, error(nil)
		for _, cand := range tenant.SenderCandidates(c.sender) {
			ok, herr := b.db.HasHash(ctx, "site-a", mailwiki.HashSender, b.h.Hash.All(mailwiki.HashSender, cand))
			got, err = got || ok, errors.Join(err, herr)
		}
		if err != nil || got != c.want {
			t.Errorf("sender %s admitted %v, want %v (%v)", c.sender, got, c.want, err)
		}
	}
	// The administrator removes an address in Confluence: the next message to
	// it no longer routes, although its hash is still on the server.
	b.configs.cfgs["site-a"] = mailwiki.TenantConfig{Addresses: cfg.Addresses[1:]}
	if _, err := b.h.Route(ctx, "docs@wiki.example.com"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("route of a removed address: %v, want ENOTFOUND", err)
	}
}

func TestHostedSaveRefusesBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	install(t, b.h, "site-a", "sa")
	install(t, b.h, "site-b", "sb")
	good := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "docs@wiki.example.com", SpaceKey: "DOCS"}}}
	if _, err := b.h.SaveConfig(ctx, "site-a", good); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		cfg   mailwiki.TenantConfig
		code  string
		field string
	}{
		"malformed address":       {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "not an address", SpaceKey: "DOCS"}}}, mailwiki.EINVALID, "addresses[0].address"},
		"foreign domain":          {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "x@gmail.com", SpaceKey: "DOCS"}}}, mailwiki.EINVALID, "addresses[0].address"},
		"unknown space":           {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "x@wiki.example.com", SpaceKey: "NOPE"}}}, mailwiki.EINVALID, "addresses[0].spaceKey"},
		"unknown parent":          {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "x@wiki.example.com", SpaceKey: "DOCS", ParentID: "99"}}}, mailwiki.EINVALID, "addresses[0].parentId"},
		"page of another space":   {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "x@wiki.example.com", SpaceKey: "HR", ParentID: "10"}}}, mailwiki.EINVALID, "addresses[0].parentId"},
		"folder of another space": {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "x@wiki.example.com", SpaceKey: "DOCS", ParentID: "30"}}}, mailwiki.EINVALID, "addresses[0].parentId"},
		"postmaster":              {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "Postmaster@wiki.example.com", SpaceKey: "DOCS"}}}, mailwiki.EINVALID, "addresses[0].address"},
		"taken address":           {mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "mine@wiki.example.com", SpaceKey: "DOCS"}, {Address: "DOCS@wiki.example.com", SpaceKey: "HR"}}}, mailwiki.ECONFLICT, "addresses[1].address"},
		"bad sender":              {mailwiki.TenantConfig{Senders: mailwiki.SenderList{Entries: []string{"@@x"}}}, mailwiki.EINVALID, "senders.entries[0]"},
		"oversized list":          {mailwiki.TenantConfig{Senders: mailwiki.SenderList{Entries: make([]string, mailwiki.MaxSenderEntries+1)}}, mailwiki.EINVALID, "senders.entries"},
	} {
		_, err := b.h.SaveConfig(ctx, "site-b", c.cfg)
		var v *mailwiki.ValidationError
		if mailwiki.ErrorCode(err) != c.code || !errors.As(err, &v) || !hasField(v, c.field) {
			t.Errorf("%s: %v (fields %+v), want %s on %s", name, err, v, c.code, c.field)
		}
		if cfg, _, _ := b.h.Config(ctx, "site-b"); len(cfg.Addresses) != 0 {
			t.Errorf("%s: the refused configuration was saved", name)
		}
		if _, err := b.h.Lookup(ctx, "mine@wiki.example.com"); err == nil {
			t.Errorf("%s: a refused configuration's address routes", name)
		}
	}
	if id, _ := b.h.Lookup(ctx, "docs@wiki.example.com"); id != "site-a" {
		t.Fatalf("docs@ now routes to %q", id)
	}
	// Confluence refuses the write: the hashes claimed for it are given back.
	b.configs.failSave = true
	mine := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "mine@wiki.example.com", SpaceKey: "DOCS"}}}
	if _, err := b.h.SaveConfig(ctx, "site-b", mine); !mailwiki.IsTemporary(err) {
		t.Fatalf("failed write: %v, want a temporary error", err)
	}
	if _, err := b.h.Lookup(ctx, "mine@wiki.example.com"); err == nil {
		t.Fatal("an address whose configuration was not stored routes")
	}
}

// TestHostedSaveReportsEveryProblemAtOnce: rule and site problems of
// different addresses come in one answer.
func TestHostedSaveReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	install(t, b.h, "site-a", "sa")
	_, err := b.h.SaveConfig(context.Background(), "site-a", mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{
		{Address: "a@wiki.example.com", SpaceKey: ""},
		{Address: "b@wiki.example.com", SpaceKey: "NOPE"},
		{Address: "c@wiki.example.com", SpaceKey: "DOCS", ContentType: "wiki"},
		{Address: "d@wiki.example.com", SpaceKey: "HR", ParentID: "20", TitleFormat: "x\u202e{subject}"},
	}})
	var v *mailwiki.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("%v", err)
	}
	for _, f := range []string{"addresses[0].spaceKey", "addresses[1].spaceKey", "addresses[2].contentType", "addresses[3].parentId", "addresses[3].titleFormat"} {
		if !hasField(v, f) {
			t.Errorf("no problem reported on %s: %+v", f, v.Fields)
		}
	}
}

// TestHostedConcurrentSavesKeepHashesInStep: of many saves at once, the
// configuration last written is the one the hashes route.
func TestHostedConcurrentSavesKeepHashesInStep(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	install(t, b.h, "site-a", "sa")
	b.configs.slow = true
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: fmt.Sprintf("r%d@wiki.example.com", i), SpaceKey: "DOCS"}}}
			if _, err := b.h.SaveConfig(ctx, "site-a", cfg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	stored, _, _ := b.h.Config(ctx, "site-a")
	for i := range 10 {
		a := fmt.Sprintf("r%d@wiki.example.com", i)
		_, err := b.h.Lookup(ctx, a)
		if routed := err == nil; routed != (stored.Addresses[0].Address == a) {
			t.Errorf("%s routes %v, but the stored configuration has %s", a, routed, stored.Addresses[0].Address)
		}
	}
}

// TestSiteHeardOfAgainRoutesItsAddresses: a site whose records were wiped
// (an installation silent past the grace period) but whose Confluence
// still holds its configuration routes its addresses again as soon as it
// is heard of, without its administrator saving anything.
func TestSiteHeardOfAgainRoutesItsAddresses(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	b.configs.cfgs["site-a"] = mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "docs@wiki.example.com", SpaceKey: "DOCS"}}}
	install(t, b.h, "site-a", "sa")
	if id, err := b.h.Lookup(ctx, "docs@wiki.example.com"); err != nil || id != "site-a" {
		t.Fatalf("lookup %q, %v; want site-a", id, err)
	}
}

func hasField(v *mailwiki.ValidationError, field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return v != nil && field == ""
}

func TestHostedUninstallLeavesTheOtherTenant(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	for _, id := range []string{"site-a", "site-b"} {
		install(t, b.h, id, "s-"+id)
		cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: id + "@wiki.example.com", SpaceKey: "DOCS"}},
			Senders: mailwiki.SenderList{Entries: []string{"@partner.test"}}}
		if _, err := b.h.SaveConfig(ctx, id, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.h.Uninstall(ctx, "site-a"); err != nil {
		t.Fatal(err)
	}
	if len(b.purged) != 1 || b.purged[0] != "site-a" {
		t.Fatalf("purged %v", b.purged)
	}
	if _, err := b.h.Lookup(ctx, "site-a@wiki.example.com"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("uninstalled address still routes: %v", err)
	}
	if _, err := b.h.Secret(ctx, "site-a"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("secret kept: %v", err)
	}
	if id, err := b.h.Lookup(ctx, "site-b@wiki.example.com"); err != nil || id != "site-b" {
		t.Fatalf("site-b: %q %v", id, err)
	}
	// Now that site-a is gone, its address is free for site-b.
	cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "site-a@wiki.example.com", SpaceKey: "HR"}}}
	if _, err := b.h.SaveConfig(ctx, "site-b", cfg); err != nil {
		t.Fatal(err)
	}
}

func TestHashKeyRotationReindexesFromTheSite(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	install(t, b.h, "site-a", "sa")
	cfg := mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "docs@wiki.example.com", SpaceKey: "DOCS"}}}
	if _, err := b.h.SaveConfig(ctx, "site-a", cfg); err != nil {
		t.Fatal(err)
	}
	// A new primary key: lookups still find the old hash; the reindex
	// rewrites it under h2, after which h1 can be dropped.
	rotated, _ := tenant.NewHasher("h2", map[string][]byte{"h1": key(1), "h2": key(2)})
	b.h.Hash = rotated
	if id, err := b.h.Lookup(ctx, "docs@wiki.example.com"); err != nil || id != "site-a" {
		t.Fatalf("during rotation: %q %v", id, err)
	}
	if n, err := b.h.ReindexStale(ctx); err != nil || n != 1 {
		t.Fatalf("reindexed %d, %v", n, err)
	}
	b.h.Hash, _ = tenant.NewHasher("h2", map[string][]byte{"h2": key(2)})
	if id, err := b.h.Lookup(ctx, "docs@wiki.example.com"); err != nil || id != "site-a" {
		t.Fatalf("after rotation: %q %v", id, err)
	}
	if n, _ := b.h.ReindexStale(ctx); n != 0 {
		t.Fatalf("reindexed %d again", n)
	}
}

func TestSenderCandidates(t *testing.T) {
	t.Parallel()
	got := tenant.SenderCandidates("Ann@Mail.Example.ORG")
	want := []string{"ann@mail.example.org", "@mail.example.org", ".mail.example.org", ".example.org"}
	if len(got) != len(want) {
		t.Fatalf("%q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%q, want %q", got, want)
		}
	}
	for _, bad := range []string{"", "nodomain", "x@", "@x.test"} {
		if c := tenant.SenderCandidates(bad); c != nil {
			t.Errorf("%q: %q", bad, c)
		}
	}
}

type healthLog struct {
	mu     sync.Mutex
	events []string
}

func (l *healthLog) CredentialsRefused(id, reason string) {
	l.mu.Lock()
	l.events = append(l.events, "refused "+id+": "+reason)
	l.mu.Unlock()
}
func (l *healthLog) CredentialsAccepted(id string) {
	l.mu.Lock()
	l.events = append(l.events, "accepted "+id)
	l.mu.Unlock()
}

// TestForgeTokenLifecycle: a Forge installation's system token is kept
// sealed with its expiry; an older token never replaces a newer one; once
// it expires the tenant waits (temporary error, health refused) until a
// call brings a fresh one.
func TestForgeTokenLifecycle(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	b.h.Now = func() time.Time { return now }
	health := &healthLog{}
	b.h.Health = health
	ctx := context.Background()
	forge := func(token string, expires time.Time) {
		t.Helper()
		var secret []byte
		if token != "" {
			secret = []byte(token)
		}
		err := b.h.Install(ctx, mailwiki.Registration{Tenant: mailwiki.Tenant{ID: "inst-1", Mode: mailwiki.ModeForge,
			BaseURL: "https://api.atlassian.com/ex/confluence/cloud-1/wiki", Flavor: mailwiki.FlavorCloud}, CloudID: "cloud-1",
			Secret: secret, SecretExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		b.h.Wait()
	}
	forge("token-a", now.Add(3*time.Hour))
	forge("token-old", now.Add(time.Hour)) // an older token arriving late
	forge("", time.Time{})                 // a call without a token
	if got, _ := b.h.Secret(ctx, "inst-1"); string(got) != "token-a" {
		t.Fatalf("held token %q, want token-a", got)
	}
	tn, _ := b.h.Tenant(ctx, "inst-1")
	if _, err := b.h.HTTPClient(ctx, tn); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Hour)
	_, err := b.h.HTTPClient(ctx, tn)
	if !errors.Is(err, tenant.ErrWaitingForToken) || !mailwiki.IsTemporary(err) {
		t.Fatalf("expired token: %v, want the temporary ErrWaitingForToken", err)
	}
	forge("token-b", now.Add(4*time.Hour))
	if _, err := b.h.HTTPClient(ctx, tn); err != nil {
		t.Fatal(err)
	}
	want := []string{"accepted inst-1", "accepted inst-1", "accepted inst-1", "refused inst-1: " + tenant.ErrWaitingForToken.Message, "accepted inst-1"}
	if strings.Join(health.events, "|") != strings.Join(want, "|") {
		t.Fatalf("health %q, want %q", health.events, want)
	}
	if found := bytes.Contains(mustRead(t, b.dbPath), []byte("token-b")); found {
		t.Fatal("the system token is stored in plaintext")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	return append(data, wal...)
}

// TestWipeInactiveForgeInstallations: an installation silent past the
// grace period with an expired token is wiped; a recent one, a silent one
// whose token still works, and Connect sites stay.
func TestWipeInactiveForgeInstallations(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		id      string
		mode    string
		seen    time.Time
		expires time.Time
	}{
		{"gone", mailwiki.ModeForge, now.Add(-40 * 24 * time.Hour), now.Add(-39 * 24 * time.Hour)},
		{"recent", mailwiki.ModeForge, now.Add(-time.Hour), now.Add(-time.Minute)},
		{"token-alive", mailwiki.ModeForge, now.Add(-40 * 24 * time.Hour), now.Add(time.Hour)},
		{"connect", mailwiki.ModeConnect, now.Add(-400 * 24 * time.Hour), time.Time{}},
	} {
		b.h.Now = func() time.Time { return c.seen }
		err := b.h.Install(ctx, mailwiki.Registration{Tenant: mailwiki.Tenant{ID: c.id, Mode: c.mode, BaseURL: "https://x.test/wiki"},
			Secret: []byte("s"), SecretExpiresAt: c.expires})
		if err != nil {
			t.Fatal(err)
		}
		b.h.Wait()
	}
	b.h.Now = func() time.Time { return now }
	n, err := b.h.WipeInactive(ctx, now.Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("wiped %d, %v; want 1", n, err)
	}
	for id, want := range map[string]bool{"gone": false, "recent": true, "token-alive": true, "connect": true} {
		if _, err := b.h.Tenant(ctx, id); (err == nil) != want {
			t.Errorf("%s kept %v, want %v", id, err == nil, want)
		}
	}
	if len(b.purged) != 1 || b.purged[0] != "gone" {
		t.Fatalf("purged %v", b.purged)
	}
}

// TestDataKeyShreddedFirst: an installed tenant gets its own data key,
// kept across a reinstall; uninstall shreds it before anything else, so
// that even when the rest of the uninstall fails, its messages are
// unreadable.
func TestDataKeyShreddedFirst(t *testing.T) {
	t.Parallel()
	b := newHosted(t, map[string][]byte{"h1": key(1)}, "h1")
	ctx := context.Background()
	install(t, b.h, "site-a", "sa")
	first, ok := b.h.DataKey(ctx, "site-a")
	if !ok || len(first) != 32 {
		t.Fatalf("data key %x, %v", first, ok)
	}
	install(t, b.h, "site-a", "sa-2") // a reinstall
	if again, _ := b.h.DataKey(ctx, "site-a"); !bytes.Equal(again, first) {
		t.Fatal("a reinstall changed the data key: its queued messages would be lost")
	}
	if bytes.Contains(mustRead(t, b.dbPath), first) {
		t.Fatal("the data key is stored in plaintext")
	}
	b.h.Purge = func(context.Context, string) error { return errors.New("queue unavailable") }
	if err := b.h.Uninstall(ctx, "site-a"); err == nil {
		t.Fatal("the uninstall's failure was not reported")
	}
	if _, ok := b.h.DataKey(ctx, "site-a"); ok {
		t.Fatal("the data key survived a failed uninstall: shredding must come first")
	}
	if _, ok := b.h.DataKey(ctx, "unknown"); ok {
		t.Fatal("a data key for an unknown tenant")
	}
}
