package confluence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Where and how ConfigStore keeps a tenant's configuration in app properties.
const (
	// ConfigIndexKey is the index property: {"version":1,"generation":G,
	// "shards":N,"sha256":H}. A site without it has an empty configuration.
	ConfigIndexKey = "mailwiki-config"
	// configShardPrefix starts every shard key: mailwiki-config-G-i for
	// i in 0..N-1 (an index without a generation names mailwiki-config-i).
	configShardPrefix = ConfigIndexKey + "-"

	DefaultConfigTTL = 10 * time.Second
	MaxConfigTTL     = 60 * time.Second

	configVersion = 1
	// configShardBudget bounds one shard's JSON string, quotes and escapes
	// included: well under MaxAppPropertyLen, even wrapped as {"part":…}.
	configShardBudget = 30000
	// maxConfigShards bounds a configuration to about 3.8 MB of JSON; the
	// configuration limits (mailwiki.MaxAddresses, MaxSenderEntries) keep a
	// valid one under 1 MB.
	maxConfigShards = 128
	// orphanAge is how old a generation not named by the index must be
	// before SaveConfig deletes it: a younger one may be another save's in
	// flight.
	orphanAge = 10 * time.Minute
)

// configIndex is the value of the index property.
type configIndex struct {
	Version    int    `json:"version"`
	Generation string `json:"generation,omitempty"`
	Shards     int    `json:"shards"`
	SHA256     string `json:"sha256"`
}

// ConfigStore is the mailwiki.ConfigSource of Connect and Forge tenants: the
// configuration (mailwiki.TenantConfig as JSON) lives in app properties of
// the tenant's own site (promise P9), sharded past Confluence's 32 KB limit
// on one value.
//
// # Property stores
//
// The tenant's mode chooses the store: a Forge tenant (mailwiki.ModeForge)
// keeps its configuration in the Forge app's own properties (REST v2
// /api/v2/app/properties, see ForgeAppProperty); any other tenant in the
// Connect app properties of AppKey (/rest/atlassian-connect/1/addons/
// {AppKey}/properties). One ConfigStore serves both kinds of tenants, with
// the same keys, index, write order and guarantees; only a shard's value
// differs: a JSON string for Connect, {"part": that string} for Forge, whose
// values are documented as JSON objects. A reader takes either form.
//
// # Layout and write order
//
// The JSON is cut into shards, each stored as a JSON string of at most about
// 30 000 bytes under mailwiki-config-G-i, where G is a generation new to each
// save (the save's time in milliseconds and a random suffix, in hex). The
// index property mailwiki-config names the generation, the shard count and
// the SHA-256 of the whole JSON. SaveConfig writes every shard, then the
// index, then deletes the previous generation's shards (and any generation
// older than ten minutes that the index does not name: the leftovers of a
// failed or concurrent save). A reader that follows the index reads shards of
// one generation only, and checks the hash; a shard deleted under it (a save
// finished in between) makes it read the index again, once.
//
// # Errors
//
// A stored configuration that cannot be read back (a hash mismatch, a
// missing shard, a value that is not JSON, an index of an unknown version) is
// a temporary ECONFIG *mailwiki.Error: mail for the tenant waits, as it does
// for refused credentials, until an administrator of the site saves the
// configuration again; SaveConfig never needs the old configuration to be
// readable. Confluence's own failures keep their codes.
//
// # Cache
//
// Config answers from an in-memory cache per tenant ID for TTL after a read
// or a save by this process; a save by another process is seen when the
// entry expires. Errors are not cached. A ConfigStore is safe for concurrent
// use; it must not be copied after first use.
type ConfigStore struct {
	// AppKey is the Connect app key the properties of Connect tenants
	// belong to; unused for Forge tenants.
	AppKey string
	// Client returns a client for the tenant's site.
	Client func(ctx context.Context, t mailwiki.Tenant) (*Client, error)
	// TTL is how long a configuration is served from memory: 0 means
	// DefaultConfigTTL; more than MaxConfigTTL is MaxConfigTTL.
	TTL time.Duration
	// Now is the cache's clock; time.Now when nil.
	Now func() time.Time
	// Logger is told of leftover shards that could not be deleted (ids and
	// keys only). Discarded when nil.
	Logger *slog.Logger

	mu    sync.Mutex
	cache map[string]cachedConfig
}

var _ mailwiki.ConfigSource = (*ConfigStore)(nil)

type cachedConfig struct {
	cfg     mailwiki.TenantConfig
	expires time.Time
}

// errCorrupt marks a stored configuration that cannot be read back.
var errCorrupt = errors.New("the stored configuration is corrupt")

// errShardGone marks a shard the index names but the site does not hold.
var errShardGone = errors.New("a shard named by the index is missing")

// Config returns the tenant's configuration, normalized; a site without
// one has the empty configuration. The caller owns the result.
func (s *ConfigStore) Config(ctx context.Context, t mailwiki.Tenant) (mailwiki.TenantConfig, error) {
	if cfg, ok := s.cached(t.ID); ok {
		return cfg, nil
	}
	p, err := s.properties(ctx, t)
	if err != nil {
		return mailwiki.TenantConfig{}, fmt.Errorf("confluence: read the configuration of tenant %q: %w", t.ID, err)
	}
	cfg, err := s.load(ctx, p)
	if err != nil {
		return mailwiki.TenantConfig{}, fmt.Errorf("confluence: read the configuration of tenant %q: %w", t.ID, err)
	}
	s.remember(t.ID, cfg)
	return cloneConfig(cfg), nil
}

// SaveConfig stores cfg, normalized, in the tenant's site in the order
// described on ConfigStore, and caches it. A failure before the index is
// written leaves the previous configuration in force.
func (s *ConfigStore) SaveConfig(ctx context.Context, t mailwiki.Tenant, cfg mailwiki.TenantConfig) error {
	p, err := s.properties(ctx, t)
	if err == nil {
		cfg = cloneConfig(cfg)
		cfg.Normalize()
		err = s.save(ctx, p, cfg)
	}
	if err != nil {
		s.forget(t.ID)
		return fmt.Errorf("confluence: save the configuration of tenant %q: %w", t.ID, err)
	}
	s.remember(t.ID, cfg)
	return nil
}

// load reads the configuration, starting again once from the index when a
// shard vanished under it (a concurrent save finished).
func (s *ConfigStore) load(ctx context.Context, p propertyAPI) (mailwiki.TenantConfig, error) {
	cfg, err := s.read(ctx, p)
	if errors.Is(err, errShardGone) {
		cfg, err = s.read(ctx, p)
	}
	if errors.Is(err, errShardGone) {
		return mailwiki.TenantConfig{}, corruptConfig(err)
	}
	return cfg, err
}

func (s *ConfigStore) read(ctx context.Context, p propertyAPI) (mailwiki.TenantConfig, error) {
	idx, found, err := s.readIndex(ctx, p)
	if err != nil || !found {
		var empty mailwiki.TenantConfig
		empty.Normalize()
		return empty, err
	}
	data, err := s.readShards(ctx, p, idx)
	if err != nil {
		return mailwiki.TenantConfig{}, err
	}
	return decodeConfig(data, idx.SHA256)
}

// readIndex returns the index, found false when the site has none. An
// index that cannot be read is a corrupt configuration.
func (s *ConfigStore) readIndex(ctx context.Context, p propertyAPI) (configIndex, bool, error) {
	raw, err := p.get(ctx, ConfigIndexKey)
	if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
		return configIndex{}, false, nil
	}
	if err != nil {
		return configIndex{}, false, err
	}
	var idx configIndex
	if err := json.Unmarshal(raw, &idx); err != nil {
		return configIndex{}, false, corruptConfig(fmt.Errorf("index: %w", err))
	}
	if idx.Version != configVersion || idx.Shards < 1 || idx.Shards > maxConfigShards || strings.Contains(idx.Generation, "-") {
		return configIndex{}, false, corruptConfig(fmt.Errorf("index: version %d with %d shards is not one this server reads", idx.Version, idx.Shards))
	}
	return idx, true, nil
}

func (s *ConfigStore) readShards(ctx context.Context, p propertyAPI, idx configIndex) ([]byte, error) {
	var data []byte
	for i := range idx.Shards {
		key := shardKey(idx.Generation, i)
		raw, err := p.get(ctx, key)
		if mailwiki.ErrorCode(err) == mailwiki.ENOTFOUND {
			return nil, fmt.Errorf("%s: %w", key, errShardGone)
		}
		if err != nil {
			return nil, err
		}
		part, err := decodeShard(key, raw)
		if err != nil {
			return nil, err
		}
		data = append(data, part...)
	}
	return data, nil
}

// decodeConfig checks the joined shards against the index's hash and
// decodes them.
func decodeConfig(data []byte, wantSum string) (mailwiki.TenantConfig, error) {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, wantSum) {
		return mailwiki.TenantConfig{}, corruptConfig(fmt.Errorf("sha256 %s, the index says %s", got, wantSum))
	}
	var cfg mailwiki.TenantConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return mailwiki.TenantConfig{}, corruptConfig(err)
	}
	cfg.Normalize()
	return cfg, nil
}

// corruptConfig is the error of a stored configuration that cannot be read
// back: temporary, since saving the configuration again repairs it.
func corruptConfig(err error) error {
	return &mailwiki.Error{Code: mailwiki.ECONFIG, Temporary: true, Err: fmt.Errorf("%w: %w", errCorrupt, err),
		Message: "the mailwiki configuration stored in Confluence is damaged; a site administrator can repair it by saving the configuration again"}
}

func shardKey(gen string, i int) string {
	if gen == "" {
		return configShardPrefix + strconv.Itoa(i)
	}
	return configShardPrefix + gen + "-" + strconv.Itoa(i)
}

// newGeneration is the save's time in milliseconds (12 hex digits) and 24
// random bits, so that two saves never share shard keys and a leftover's age
// can be read from its key.
func (s *ConfigStore) newGeneration() string {
	return fmt.Sprintf("%012x%06x", s.now().UnixMilli(), rand.N(1<<24))
}

// generationTime reads the time of a generation made by newGeneration.
func generationTime(gen string) (time.Time, bool) {
	if len(gen) != 18 {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(gen[:12], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

func (s *ConfigStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *ConfigStore) ttl() time.Duration {
	switch {
	case s.TTL <= 0:
		return DefaultConfigTTL
	case s.TTL > MaxConfigTTL:
		return MaxConfigTTL
	}
	return s.TTL
}

func (s *ConfigStore) cached(tenantID string) (mailwiki.TenantConfig, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.cache[tenantID]
	if !ok || !s.now().Before(e.expires) {
		return mailwiki.TenantConfig{}, false
	}
	return cloneConfig(e.cfg), true
}

func (s *ConfigStore) remember(tenantID string, cfg mailwiki.TenantConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = map[string]cachedConfig{}
	}
	s.cache[tenantID] = cachedConfig{cfg: cloneConfig(cfg), expires: s.now().Add(s.ttl())}
}

func (s *ConfigStore) forget(tenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, tenantID)
}

// cloneConfig copies cfg's slices, so that the cache and its callers never
// share them.
func cloneConfig(cfg mailwiki.TenantConfig) mailwiki.TenantConfig {
	cfg.Addresses = slices.Clone(cfg.Addresses)
	cfg.Senders.Entries = slices.Clone(cfg.Senders.Entries)
	return cfg
}
