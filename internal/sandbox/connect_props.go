package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

// Limits of app properties, from Atlassian's App properties API.
const (
	maxAppPropertyValue = 32768 // characters of the JSON value
	maxAppPropertyKey   = 127
)

// AppProperty returns the JSON value of an app's property.
func (s *Sandbox) AppProperty(appKey, key string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.connect.props[appKey][key]
	return json.RawMessage(v), ok
}

// appForProperties checks the app exists (404) and that the caller is the
// app itself or the site administrator (403).
func (s *Sandbox) appForProperties(r *http.Request) (string, error) {
	key := r.PathValue("appKey")
	if _, ok := s.app(key); !ok {
		return "", notFound("App with key %s not found", key)
	}
	if appOf(r.Context()) != key && !isSiteAdmin(r.Context()) {
		return "", mailwiki.Errorf(mailwiki.EFORBIDDEN, "Only the app %s itself may use its properties", key)
	}
	return key, nil
}

func propertySelf(r *http.Request, app, key string) string {
	return siteBase(r) + "/rest/atlassian-connect/1/addons/" + url.PathEscape(app) + "/properties/" + url.PathEscape(key)
}

// listAppProperties serves GET …/addons/{appKey}/properties: {"keys":[{"key","self"}]},
// sorted by key.
func (s *Sandbox) listAppProperties(w http.ResponseWriter, r *http.Request) error {
	app, err := s.appForProperties(r)
	if err != nil {
		return err
	}
	type entry struct {
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	s.mu.Lock()
	keys := make([]string, 0, len(s.connect.props[app]))
	for k := range s.connect.props[app] {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	sort.Strings(keys)
	out := struct {
		Keys []entry `json:"keys"`
	}{Keys: []entry{}}
	for _, k := range keys {
		out.Keys = append(out.Keys, entry{Key: k, Self: propertySelf(r, app, k)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getAppProperty serves GET …/properties/{propertyKey}: {"key","value","self"}.
func (s *Sandbox) getAppProperty(w http.ResponseWriter, r *http.Request) error {
	app, err := s.appForProperties(r)
	if err != nil {
		return err
	}
	key := r.PathValue("propertyKey")
	v, ok := s.AppProperty(app, key)
	if !ok {
		return notFound("Property with key not found.")
	}
	writeJSON(w, http.StatusOK, struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
		Self  string          `json:"self"`
	}{key, v, propertySelf(r, app, key)})
	return nil
}

// putAppProperty serves PUT …/properties/{propertyKey}: the body is the
// value, valid non-empty JSON of at most 32768 characters (400 otherwise).
// 201 {"message":"Property created.","statusCode":201} or 200 "Property
// updated.", as Atlassian answers.
func (s *Sandbox) putAppProperty(w http.ResponseWriter, r *http.Request) error {
	app, err := s.appForProperties(r)
	if err != nil {
		return err
	}
	key := r.PathValue("propertyKey")
	if utf8.RuneCountInString(key) > maxAppPropertyKey {
		return invalid("The property key cannot be longer than %d characters.", maxAppPropertyKey)
	}
	value, err := readPropertyValue(w, r)
	if err != nil {
		return err
	}
	created, err := s.setAppProperty(app, key, value)
	if err != nil {
		return err
	}
	status, msg := http.StatusOK, "Property updated."
	if created {
		status, msg = http.StatusCreated, "Property created."
	}
	writeJSON(w, status, map[string]any{"message": msg, "statusCode": status})
	return nil
}

func readPropertyValue(w http.ResponseWriter, r *http.Request) (string, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4*maxAppPropertyValue+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return "", invalid("The value cannot be longer than %d characters.", maxAppPropertyValue)
	}
	if err != nil {
		return "", invalid("The request body could not be read")
	}
	if utf8.RuneCount(data) > maxAppPropertyValue {
		return "", invalid("The value cannot be longer than %d characters.", maxAppPropertyValue)
	}
	if len(data) == 0 || !json.Valid(data) {
		return "", invalid("The value must be a valid, non-empty JSON blob.")
	}
	return string(data), nil
}

// setAppProperty stores a value and reports whether it is new.
func (s *Sandbox) setAppProperty(app, key, value string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connect.props[app] == nil {
		s.connect.props[app] = map[string]string{}
	}
	old, existed := s.connect.props[app][key]
	s.connect.props[app][key] = value
	if err := s.save(func(w stateTx) error { return w.appProperty(app, key, value) }); err != nil {
		if existed {
			s.connect.props[app][key] = old
		} else {
			delete(s.connect.props[app], key)
		}
		return false, fmt.Errorf("sandbox: set property of app %s: %w", app, err)
	}
	return !existed, nil
}

// deleteAppProperty serves DELETE …/properties/{propertyKey}: 204, or 404.
func (s *Sandbox) deleteAppProperty(w http.ResponseWriter, r *http.Request) error {
	app, err := s.appForProperties(r)
	if err != nil {
		return err
	}
	key := r.PathValue("propertyKey")
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.connect.props[app][key]
	if !ok {
		return notFound("Property with key not found.")
	}
	delete(s.connect.props[app], key)
	if err := s.save(func(w stateTx) error { return w.deleteAppProperty(app, key) }); err != nil {
		s.connect.props[app][key] = old
		return fmt.Errorf("sandbox: delete property of app %s: %w", app, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
