package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Forge app properties: the Confluence Cloud REST v2 resource
// /wiki/api/v2/app/properties[/{propertyKey}] ("App Properties", marked
// Experimental), the property store of a Forge app in the site it is
// installed in. Connect apps cannot use it; a Forge app calls it as the app
// (asApp, here the remote's system token; verify on a real tenant, see
// forge-remote-contract.md §8), with the scopes read:app-data:confluence and
// write:app-data:confluence.
//
// The documented contract, from
// https://developer.atlassian.com/cloud/confluence/rest/v2/api-group-app-properties/
// and the OpenAPI document it publishes (operations getForgeAppProperties,
// getForgeAppProperty, putForgeAppProperty, deleteForgeAppProperty):
//
//   - GET  /app/properties?cursor=&limit= (limit 50 by default): 200
//     MultiEntityResult<AppProperty>, {"results":[{"key","value"}],
//     "_links":{"next","base"}}; _links.next, a relative URL carrying the
//     next cursor, is absent on the last page.
//   - GET  /app/properties/{propertyKey}: 200 {"key","value"}; 400 for a
//     key over 127 characters; 404 "App property not found".
//   - PUT  /app/properties/{propertyKey}: the body is the value itself (not
//     wrapped in {"value":…}), Content-Type application/json, typed as a JSON
//     object; 200 "Property updated", 201 "Property created", 400 for a key
//     over 127 characters or invalid JSON. No body is documented.
//   - DELETE /app/properties/{propertyKey}: 204 "Property deleted"; 400
//     for a long key. A missing key's answer is not documented (verify); a
//     404 is taken as success, as for Connect.
//   - 401 when the request is not the Forge app's, 403 for an impersonated
//     (asUser) request or an app that is not installed.
//
// The page states no size limit for a value; Jira's Forge app properties
// (/rest/forge/1/app/properties) document 32768 characters, and
// SetForgeAppProperty applies the same MaxAppPropertyLen (verify).
const forgePropertiesPath = "/api/v2/app/properties"

// Paging of ForgeAppPropertyKeys: the documented default page size, and a
// bound on the pages followed.
const (
	forgePropertiesPage = 50
	// MaxForgePropertyKeys bounds the keys ForgeAppPropertyKeys returns.
	MaxForgePropertyKeys = 10000
)

type forgePropertyV2 struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

func forgePropertyPath(key string) string { return forgePropertiesPath + "/" + pathID(key) }

func checkForgePropertyKey(key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return invalidf("the app property key is empty")
	case len(key) > MaxAppPropertyKeyLen:
		return invalidf("the app property key is %d characters long; at most %d", len(key), MaxAppPropertyKeyLen)
	}
	return nil
}

// ForgeAppProperty returns the value of the Forge app property key (GET
// /api/v2/app/properties/{key}). A missing property is a permanent
// ENOTFOUND error.
func (c *Client) ForgeAppProperty(ctx context.Context, key string) (json.RawMessage, error) {
	if err := checkForgePropertyKey(key); err != nil {
		return nil, fmt.Errorf("confluence: get Forge app property %q: %w", key, err)
	}
	var out forgePropertyV2
	r := &request{method: http.MethodGet, path: forgePropertyPath(key)}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, fmt.Errorf("confluence: get Forge app property %q: %w", key, err)
	}
	if len(out.Value) == 0 {
		return nil, fmt.Errorf("confluence: get Forge app property %q: %w", key, unreadable(errors.New("no value in the answer")))
	}
	return out.Value, nil
}

// SetForgeAppProperty creates or replaces the Forge app property key with
// value, sent as the request body. value must be a JSON object, the type
// Atlassian documents for a value (whether other JSON is taken is not
// documented: verify), of at most MaxAppPropertyLen bytes (ETOOLARGE
// beyond). It is a PUT: retried after a 5xx or a transport error.
func (c *Client) SetForgeAppProperty(ctx context.Context, key string, value json.RawMessage) error {
	if err := c.setForgeAppProperty(ctx, key, value); err != nil {
		return fmt.Errorf("confluence: set Forge app property %q: %w", key, err)
	}
	return nil
}

func (c *Client) setForgeAppProperty(ctx context.Context, key string, value json.RawMessage) error {
	if err := checkForgePropertyKey(key); err != nil {
		return err
	}
	if err := checkPropertyValue(value); err != nil {
		return err
	}
	if !isJSONObject(value) {
		return invalidf("a Forge app property value must be a JSON object")
	}
	r := &request{method: http.MethodPut, path: forgePropertyPath(key),
		body: [][]byte{value}, contentType: "application/json"}
	return c.do(ctx, r, nil)
}

// DeleteForgeAppProperty deletes the Forge app property key. A property
// that does not exist is not an error, so that a retried DELETE whose first
// answer was lost succeeds.
func (c *Client) DeleteForgeAppProperty(ctx context.Context, key string) error {
	if err := checkForgePropertyKey(key); err != nil {
		return fmt.Errorf("confluence: delete Forge app property %q: %w", key, err)
	}
	r := &request{method: http.MethodDelete, path: forgePropertyPath(key)}
	err := c.do(ctx, r, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("confluence: delete Forge app property %q: %w", key, err)
	}
	return nil
}

// ForgeAppPropertyKeys lists the keys of the Forge app's properties in
// Confluence's order, following the cursor of _links.next page by page, at
// most MaxForgePropertyKeys of them. The listing carries every value too;
// only the keys are kept.
func (c *Client) ForgeAppPropertyKeys(ctx context.Context) ([]string, error) {
	var keys []string
	q := url.Values{"limit": {strconv.Itoa(forgePropertiesPage)}}
	seen := map[string]bool{}
	for len(keys) < MaxForgePropertyKeys {
		var out listV2[forgePropertyV2]
		if err := c.do(ctx, &request{method: http.MethodGet, path: forgePropertiesPath, query: q}, &out); err != nil {
			return nil, fmt.Errorf("confluence: list Forge app properties: %w", err)
		}
		for _, p := range out.Results {
			keys = append(keys, p.Key)
		}
		cursor := nextCursor(out.Links.Next)
		if cursor == "" || seen[cursor] {
			break
		}
		seen[cursor] = true
		q = url.Values{"limit": q["limit"], "cursor": {cursor}}
	}
	return keys[:min(len(keys), MaxForgePropertyKeys)], nil
}

// checkPropertyValue checks what both property APIs require of a value.
func checkPropertyValue(value json.RawMessage) error {
	if !json.Valid(value) {
		return invalidf("the app property value is not valid JSON")
	}
	if len(value) > MaxAppPropertyLen {
		return mailwiki.Errorf(mailwiki.ETOOLARGE, "the app property value is %d bytes long; Confluence keeps at most %d", len(value), MaxAppPropertyLen)
	}
	return nil
}

func isJSONObject(value json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimLeft(value, " \t\r\n"), []byte("{"))
}
