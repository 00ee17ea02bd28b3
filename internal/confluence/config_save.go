package confluence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// save writes cfg's shards under a new generation, then the index, then
// deletes what the index no longer names (see ConfigStore).
func (s *ConfigStore) save(ctx context.Context, p propertyAPI, cfg mailwiki.TenantConfig) error {
	data, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	shards, err := splitShards(data)
	if err != nil {
		return err
	}
	old, hadOld, err := s.readIndex(ctx, p)
	if err != nil && !errors.Is(err, errCorrupt) {
		return err // a corrupt index is replaced; any other failure stops the save
	}
	sum := sha256.Sum256(data)
	idx := configIndex{Version: configVersion, Generation: s.newGeneration(), Shards: len(shards), SHA256: hex.EncodeToString(sum[:])}
	for i, shard := range shards {
		if err := p.set(ctx, shardKey(idx.Generation, i), encodeShard(shard, p.objectsOnly())); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encode the configuration index: %w", err)
	}
	if err := p.set(ctx, ConfigIndexKey, raw); err != nil {
		return err
	}
	if hadOld {
		s.deleteGeneration(ctx, p, old)
	}
	s.sweep(ctx, p, idx.Generation)
	return nil
}

// deleteGeneration deletes the shards of a previous index. Failures only
// leave unused properties behind: they are logged, and a later save sweeps
// them.
func (s *ConfigStore) deleteGeneration(ctx context.Context, p propertyAPI, old configIndex) {
	for i := range old.Shards {
		s.deleteLeftover(ctx, p, shardKey(old.Generation, i))
	}
}

// sweep deletes shards of generations other than current that are older
// than orphanAge: those of saves that failed before writing their index, or
// lost a race with another save.
func (s *ConfigStore) sweep(ctx context.Context, p propertyAPI, current string) {
	keys, err := p.keys(ctx)
	if err != nil {
		s.logger().LogAttrs(ctx, slog.LevelWarn, "confluence: list configuration shards", slog.String("error", mailwiki.ErrorMessage(err)))
		return
	}
	for _, key := range keys {
		gen, _, ok := strings.Cut(strings.TrimPrefix(key, configShardPrefix), "-")
		if !strings.HasPrefix(key, configShardPrefix) || !ok || gen == current {
			continue
		}
		if at, ok := generationTime(gen); ok && s.now().Sub(at) > orphanAge {
			s.deleteLeftover(ctx, p, key)
		}
	}
}

func (s *ConfigStore) deleteLeftover(ctx context.Context, p propertyAPI, key string) {
	if err := p.del(ctx, key); err != nil {
		s.logger().LogAttrs(ctx, slog.LevelWarn, "confluence: delete an unused configuration shard",
			slog.String("key", key), slog.String("error", mailwiki.ErrorMessage(err)))
	}
}

func (s *ConfigStore) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// splitShards cuts data (UTF-8 JSON) at rune boundaries into JSON strings of
// at most configShardBudget bytes each.
func splitShards(data []byte) ([]json.RawMessage, error) {
	var shards []json.RawMessage
	for len(data) > 0 {
		n := shardPrefixLen(data, configShardBudget)
		v, err := jsonString(data[:n])
		if err != nil {
			return nil, err
		}
		if len(v) > configShardBudget {
			return nil, fmt.Errorf("configuration shard of %d bytes over its budget of %d", len(v), configShardBudget)
		}
		shards = append(shards, v)
		data = data[n:]
	}
	if len(shards) > maxConfigShards {
		return nil, mailwiki.Errorf(mailwiki.ETOOLARGE, "the configuration is too large to store in Confluence (%d shards of 30 KB; at most %d)", len(shards), maxConfigShards)
	}
	return shards, nil
}

// shardPrefixLen is the length of the longest prefix of data, ending on a
// rune boundary, whose JSON string encoding (quotes included) fits budget.
func shardPrefixLen(data []byte, budget int) int {
	used, n := 2, 0
	for n < len(data) {
		r, size := utf8.DecodeRune(data[n:])
		enc := jsonRuneLen(r, size)
		if used+enc > budget {
			break
		}
		used += enc
		n += size
	}
	return n
}

// jsonRuneLen bounds the bytes encoding/json (without HTML escaping) writes
// for one rune of a string.
func jsonRuneLen(r rune, size int) int {
	switch {
	case r == '"' || r == '\\':
		return 2
	case r < 0x20, r == utf8.RuneError && size == 1:
		return 6 // \u00XX, or \ufffd for an invalid byte
	case r == '\u2028' || r == '\u2029':
		return 6
	}
	return size
}

// jsonString encodes b as a JSON string, without escaping <, > and &.
func jsonString(b []byte) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(b)); err != nil {
		return nil, fmt.Errorf("encode a configuration shard: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
