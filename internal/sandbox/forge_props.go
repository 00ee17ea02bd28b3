package sandbox

import (
	"fmt"
	"net/http"
	"sort"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// Forge app properties, REST v2 /wiki/api/v2/app/properties[/{propertyKey}]
// (Experimental at Atlassian): "asApp() requests from Forge" only, i.e. a
// system token through the gateway; stored per installation. Limits as for
// Connect app properties: keys of at most 127 characters, values valid
// non-empty JSON of at most 32768 characters.

// forgeAppFor returns the installation of an asApp call: 403 for a user
// token (impersonation) and for any call not made with a Forge token.
func forgeAppFor(r *http.Request) (string, error) {
	c, ok := forgeCallerOf(r.Context())
	switch {
	case !ok:
		return "", mailwiki.Errorf(mailwiki.EFORBIDDEN, "Forge app properties can only be accessed by a Forge app (asApp), through its apiBaseUrl")
	case c.tokenType != tokenSystem:
		return "", mailwiki.Errorf(mailwiki.EFORBIDDEN, "Only requests made using asApp() are allowed")
	}
	return c.installationID, nil
}

// forgePropertyOf returns the calling installation and the property key of
// a …/app/properties/{propertyKey} request: 400 beyond 127 characters.
func forgePropertyOf(r *http.Request) (id, key string, err error) {
	if id, err = forgeAppFor(r); err != nil {
		return "", "", err
	}
	key = r.PathValue("propertyKey")
	if utf8.RuneCountInString(key) > maxAppPropertyKey {
		return "", "", invalid("The property key cannot be longer than %d characters.", maxAppPropertyKey)
	}
	return id, key, nil
}

type forgeProperty struct {
	Key   string          `json:"key"`
	Value jsonRawOrObject `json:"value"`
}

// jsonRawOrObject is a stored JSON value, written as is.
type jsonRawOrObject string

func (v jsonRawOrObject) MarshalJSON() ([]byte, error) { return []byte(v), nil }

// listForgeProperties serves GET /wiki/api/v2/app/properties: {"results":
// [{"key","value"}], "_links"}, sorted by key, with cursor paging (limit
// 1..250, default 50).
func (s *Sandbox) listForgeProperties(w http.ResponseWriter, r *http.Request) error {
	id, err := forgeAppFor(r)
	if err != nil {
		return err
	}
	win, err := v2Window(r.URL.Query(), 50)
	if err != nil {
		return err
	}
	s.mu.Lock()
	all := make([]forgeProperty, 0, len(s.forge.props[id]))
	for k, v := range s.forge.props[id] {
		all = append(all, forgeProperty{Key: k, Value: jsonRawOrObject(v)})
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Key < all[j].Key })
	page, more := cut(all, win)
	links := map[string]string{"base": siteBase(r)}
	if next := v2NextLink(w, r, win, more); next != "" {
		links["next"] = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": page, "_links": links})
	return nil
}

// getForgeProperty serves GET …/app/properties/{propertyKey}: {"key","value"}, or 404.
func (s *Sandbox) getForgeProperty(w http.ResponseWriter, r *http.Request) error {
	id, key, err := forgePropertyOf(r)
	if err != nil {
		return err
	}
	v, ok := s.ForgeProperty(id, key)
	if !ok {
		return notFound("App property not found.")
	}
	writeJSON(w, http.StatusOK, forgeProperty{Key: key, Value: jsonRawOrObject(v)})
	return nil
}

// putForgeProperty serves PUT …/app/properties/{propertyKey}: the body is
// the value. 201 when created, 200 when updated, without a body (Atlassian
// documents none); 400 for a bad key or value.
func (s *Sandbox) putForgeProperty(w http.ResponseWriter, r *http.Request) error {
	id, key, err := forgePropertyOf(r)
	if err != nil {
		return err
	}
	value, err := readPropertyValue(w, r)
	if err != nil {
		return err
	}
	created, err := s.setForgeProperty(id, key, value)
	if err != nil {
		return err
	}
	if created {
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func (s *Sandbox) setForgeProperty(id, key, value string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forge.props[id] == nil {
		s.forge.props[id] = map[string]string{}
	}
	old, existed := s.forge.props[id][key]
	s.forge.props[id][key] = value
	if err := s.save(func(w stateTx) error { return w.forgeProperty(id, key, value) }); err != nil {
		if existed {
			s.forge.props[id][key] = old
		} else {
			delete(s.forge.props[id], key)
		}
		return false, fmt.Errorf("sandbox: set Forge app property of installation %s: %w", id, err)
	}
	return !existed, nil
}

// deleteForgeProperty serves DELETE …/app/properties/{propertyKey}: 204,
// whether or not the property existed (Atlassian documents no 404).
func (s *Sandbox) deleteForgeProperty(w http.ResponseWriter, r *http.Request) error {
	id, key, err := forgePropertyOf(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.forge.props[id][key]
	if ok {
		delete(s.forge.props[id], key)
		if err := s.save(func(w stateTx) error { return w.deleteForgeProperty(id, key) }); err != nil {
			s.forge.props[id][key] = old
			return fmt.Errorf("sandbox: delete Forge app property of installation %s: %w", id, err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
