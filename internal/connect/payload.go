package connect

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// maxPayloadBytes bounds a lifecycle callback's body.
const maxPayloadBytes = 64 << 10

// appKeyPattern is what an app key may be (Connect app descriptor, "key").
var appKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// payload is the body of a lifecycle callback ("Connect app descriptor",
// "Lifecycle", https://developer.atlassian.com/cloud/confluence/connect-app-descriptor/).
// SharedSecret is never logged.
type payload struct {
	Key          string `json:"key"`
	ClientKey    string `json:"clientKey"`
	SharedSecret string `json:"sharedSecret"`
	BaseURL      string `json:"baseUrl"`
	DisplayURL   string `json:"displayUrl"`
	ProductType  string `json:"productType"`
	Description  string `json:"description"`
	EventType    string `json:"eventType"`
}

// readPayload reads and checks the body of a verified callback of ev: at
// most maxPayloadBytes of JSON, key our app key, clientKey the token's iss,
// eventType (when sent) ev's. Its errors name ev.
func (c *Connect) readPayload(r *http.Request, cl *claims, ev event) (payload, error) {
	var p payload
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxPayloadBytes))
	if err := dec.Decode(&p); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return p, mailwiki.Errorf(mailwiki.ETOOLARGE, "%s callback payload over %d bytes", ev, maxPayloadBytes)
		}
		return p, &mailwiki.Error{Code: mailwiki.EINVALID, Message: string(ev) + " callback payload is not valid JSON", Err: err}
	}
	switch {
	case p.Key != c.appKey:
		return p, mailwiki.Errorf(mailwiki.EINVALID, "%s callback payload is for another app key", ev)
	case p.ClientKey == "" || p.ClientKey != cl.Issuer:
		return p, ev.refused("clientKey does not match the token's issuer", nil)
	case p.EventType != "" && p.EventType != ev.eventType():
		return p, mailwiki.Errorf(mailwiki.EINVALID, "%s callback payload eventType must be %q", ev, ev.eventType())
	}
	return p, nil
}

// registration checks an install payload and returns the registration to
// store; its errors name the install callback.
func (c *Connect) registration(p payload) (mailwiki.Registration, error) {
	site, err := c.siteURL(p.BaseURL)
	if err != nil {
		return mailwiki.Registration{}, err
	}
	switch {
	case p.SharedSecret == "":
		return mailwiki.Registration{}, mailwiki.Errorf(mailwiki.EINVALID, "install callback payload has no sharedSecret")
	case p.ProductType != "confluence":
		return mailwiki.Registration{}, mailwiki.Errorf(mailwiki.EINVALID, "install callback payload productType must be \"confluence\"")
	}
	now := c.now()
	return mailwiki.Registration{
		Tenant: mailwiki.Tenant{
			ID:                p.ClientKey,
			Mode:              mailwiki.ModeConnect,
			BaseURL:           site.String(),
			Flavor:            mailwiki.FlavorCloud,
			AllowInsecureHTTP: c.allowInsecure && site.Scheme == "http",
		},
		AppKey:      c.appKey,
		Secret:      []byte(p.SharedSecret),
		State:       mailwiki.StateInstalled,
		InstalledAt: now,
		UpdatedAt:   now,
	}, nil
}

// siteURL parses a site's baseUrl: absolute https (http only when the app
// allows insecure HTTP), a host, no user info, query or fragment; trailing
// slash trimmed.
func (c *Connect) siteURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	ok := err == nil && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		(u.Scheme == "https" || (u.Scheme == "http" && c.allowInsecure))
	if !ok {
		return nil, mailwiki.Errorf(mailwiki.EINVALID, "install callback payload baseUrl must be an https URL")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}
