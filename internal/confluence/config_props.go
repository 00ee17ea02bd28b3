package confluence

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// propertyAPI is the property store ConfigStore keeps a tenant's
// configuration in: Connect's app properties (connectProperties) or a Forge
// app's own (forgeProperties), over one site's client. get answers ENOTFOUND
// for a missing key; del of a missing key succeeds.
type propertyAPI interface {
	get(ctx context.Context, key string) (json.RawMessage, error)
	set(ctx context.Context, key string, value json.RawMessage) error
	del(ctx context.Context, key string) error
	keys(ctx context.Context) ([]string, error)
	// objectsOnly says that values must be JSON objects, as Forge's are
	// documented: a shard is then stored as {"part":"…"} rather than as a
	// bare JSON string.
	objectsOnly() bool
}

// connectProperties is Connect's /rest/atlassian-connect/1/addons/{appKey}/
// properties resource.
type connectProperties struct {
	c      *Client
	appKey string
}

func (p connectProperties) get(ctx context.Context, key string) (json.RawMessage, error) {
	return p.c.AppProperty(ctx, p.appKey, key)
}

func (p connectProperties) set(ctx context.Context, key string, value json.RawMessage) error {
	return p.c.SetAppProperty(ctx, p.appKey, key, value)
}

func (p connectProperties) del(ctx context.Context, key string) error {
	return p.c.DeleteAppProperty(ctx, p.appKey, key)
}

func (p connectProperties) keys(ctx context.Context) ([]string, error) {
	return p.c.AppPropertyKeys(ctx, p.appKey)
}

func (connectProperties) objectsOnly() bool { return false }

// forgeProperties is REST v2's /api/v2/app/properties resource, the calling
// Forge app's own properties.
type forgeProperties struct{ c *Client }

func (p forgeProperties) get(ctx context.Context, key string) (json.RawMessage, error) {
	return p.c.ForgeAppProperty(ctx, key)
}

func (p forgeProperties) set(ctx context.Context, key string, value json.RawMessage) error {
	return p.c.SetForgeAppProperty(ctx, key, value)
}

func (p forgeProperties) del(ctx context.Context, key string) error {
	return p.c.DeleteForgeAppProperty(ctx, key)
}

func (p forgeProperties) keys(ctx context.Context) ([]string, error) {
	return p.c.ForgeAppPropertyKeys(ctx)
}

func (forgeProperties) objectsOnly() bool { return true }

// properties returns the property store of t's site: the Forge app's own
// properties for a Forge tenant, Connect's properties of AppKey otherwise.
func (s *ConfigStore) properties(ctx context.Context, t mailwiki.Tenant) (propertyAPI, error) {
	forge := t.Mode == mailwiki.ModeForge
	if s.Client == nil || (!forge && strings.TrimSpace(s.AppKey) == "") {
		return nil, configErrorf("confluence: the configuration store needs a client factory, and an app key for Connect tenants")
	}
	c, err := s.Client(ctx, t)
	if err != nil {
		return nil, err
	}
	if forge {
		return forgeProperties{c: c}, nil
	}
	return connectProperties{c: c, appKey: s.AppKey}, nil
}

// shardObject is a shard stored where values must be objects.
type shardObject struct {
	Part *string `json:"part"`
}

// encodeShard returns the stored value of a shard whose JSON string is
// part: the string itself, or {"part":…} for a store of objects only.
func encodeShard(part json.RawMessage, objectsOnly bool) json.RawMessage {
	if !objectsOnly {
		return part
	}
	v := make(json.RawMessage, 0, len(part)+len(`{"part":}`))
	v = append(v, `{"part":`...)
	v = append(v, part...)
	return append(v, '}')
}

// decodeShard reads a stored shard in either form encodeShard writes, so
// that a reader needs not know which store wrote it.
func decodeShard(key string, raw json.RawMessage) (string, error) {
	if isJSONObject(raw) {
		var obj shardObject
		if err := json.Unmarshal(raw, &obj); err != nil || obj.Part == nil {
			return "", corruptConfig(fmt.Errorf("%s is not a shard object {\"part\": string}", key))
		}
		return *obj.Part, nil
	}
	var part string
	if err := json.Unmarshal(raw, &part); err != nil {
		return "", corruptConfig(fmt.Errorf("%s is not a JSON string: %w", key, err))
	}
	return part, nil
}
