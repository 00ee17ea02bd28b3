package confluence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// App properties: small JSON documents a Connect app (or a Forge app through
// its app.connect.key) keeps in the site, through Atlassian Connect's REST
// resource /rest/atlassian-connect/1/addons/{addonKey}/properties/{key}
// (a Forge app's own properties are in properties_forge.go).
// Confluence limits a value to MaxAppPropertyLen characters of JSON and a key
// to MaxAppPropertyKeyLen characters.
const (
	MaxAppPropertyLen    = 32768
	MaxAppPropertyKeyLen = 127
)

type appPropertyV1 struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type appPropertyKeysV1 struct {
	Keys []struct {
		Key string `json:"key"`
	} `json:"keys"`
}

func appPropertiesPath(appKey string) string {
	return "/rest/atlassian-connect/1/addons/" + pathID(appKey) + "/properties"
}

func appPropertyPath(appKey, key string) string {
	return appPropertiesPath(appKey) + "/" + pathID(key)
}

func checkPropertyKeys(appKey, key string) error {
	switch {
	case strings.TrimSpace(appKey) == "":
		return invalidf("the app key is empty")
	case strings.TrimSpace(key) == "":
		return invalidf("the app property key is empty")
	case len(key) > MaxAppPropertyKeyLen:
		return invalidf("the app property key is %d characters long; at most %d", len(key), MaxAppPropertyKeyLen)
	}
	return nil
}

// AppProperty returns the value of the app property key of the app appKey.
// A missing property is a permanent ENOTFOUND error.
func (c *Client) AppProperty(ctx context.Context, appKey, key string) (json.RawMessage, error) {
	if err := checkPropertyKeys(appKey, key); err != nil {
		return nil, fmt.Errorf("confluence: get app property %q: %w", key, err)
	}
	var out appPropertyV1
	r := &request{method: http.MethodGet, path: appPropertyPath(appKey, key)}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, fmt.Errorf("confluence: get app property %q: %w", key, err)
	}
	if len(out.Value) == 0 {
		return nil, fmt.Errorf("confluence: get app property %q: %w", key, unreadable(errors.New("no value in the answer")))
	}
	return out.Value, nil
}

// SetAppProperty creates or replaces the app property key with value, which
// must be valid JSON of at most MaxAppPropertyLen bytes (ETOOLARGE beyond).
// It is a PUT: retried after a 5xx or a transport error, since writing the
// same value twice is harmless.
func (c *Client) SetAppProperty(ctx context.Context, appKey, key string, value json.RawMessage) error {
	if err := c.setAppProperty(ctx, appKey, key, value); err != nil {
		return fmt.Errorf("confluence: set app property %q: %w", key, err)
	}
	return nil
}

func (c *Client) setAppProperty(ctx context.Context, appKey, key string, value json.RawMessage) error {
	if err := checkPropertyKeys(appKey, key); err != nil {
		return err
	}
	if err := checkPropertyValue(value); err != nil {
		return err
	}
	r := &request{method: http.MethodPut, path: appPropertyPath(appKey, key),
		body: [][]byte{value}, contentType: "application/json"}
	return c.do(ctx, r, nil)
}

// DeleteAppProperty deletes the app property key. A property that does not
// exist is not an error, so that a retried DELETE whose first answer was
// lost succeeds.
func (c *Client) DeleteAppProperty(ctx context.Context, appKey, key string) error {
	if err := checkPropertyKeys(appKey, key); err != nil {
		return fmt.Errorf("confluence: delete app property %q: %w", key, err)
	}
	r := &request{method: http.MethodDelete, path: appPropertyPath(appKey, key)}
	err := c.do(ctx, r, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("confluence: delete app property %q: %w", key, err)
	}
	return nil
}

// AppPropertyKeys lists the keys of the app's properties, in Confluence's
// order.
func (c *Client) AppPropertyKeys(ctx context.Context, appKey string) ([]string, error) {
	if strings.TrimSpace(appKey) == "" {
		return nil, fmt.Errorf("confluence: list app properties: %w", invalidf("the app key is empty"))
	}
	var out appPropertyKeysV1
	r := &request{method: http.MethodGet, path: appPropertiesPath(appKey)}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, fmt.Errorf("confluence: list app properties: %w", err)
	}
	keys := make([]string, 0, len(out.Keys))
	for _, k := range out.Keys {
		keys = append(keys, k.Key)
	}
	return keys, nil
}

// unreadable is the error for a 2xx answer without what it should hold.
func unreadable(err error) error {
	return &mailwiki.Error{Code: mailwiki.EUNAVAILABLE, Temporary: true,
		Message: "Confluence sent a response that could not be read", Err: err}
}
