package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
)

// credentials are the accepted API credentials. They are never persisted.
type credentials struct {
	users map[string]string // e-mail (lower case) → API token
	pats  []string          // personal access tokens
}

func newCredentials() credentials {
	return credentials{users: map[string]string{}}
}

// AddUser accepts basic authentication with email and apiToken, as Confluence
// Cloud does. Adding the same e-mail again replaces its token.
func (s *Sandbox) AddUser(email, apiToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds.users[strings.ToLower(email)] = apiToken
}

// AddPersonalAccessToken accepts "Authorization: Bearer token", as
// Confluence Data Center does.
func (s *Sandbox) AddPersonalAccessToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds.pats = append(s.creds.pats, token)
}

// authenticate returns the account id of the user the Authorization header
// names, or false. Secrets are compared in constant time.
func (c *credentials) authenticate(header string) (string, bool) {
	scheme, value, _ := strings.Cut(header, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		return c.basic(value)
	case "bearer":
		return c.bearer(strings.TrimSpace(value))
	}
	return "", false
}

func (c *credentials) basic(encoded string) (string, bool) {
	email, token, ok := decodeBasic(encoded)
	if !ok {
		return "", false
	}
	want, known := c.users[strings.ToLower(email)]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
		return "", false
	}
	return accountID("user:" + strings.ToLower(email)), true
}

func (c *credentials) bearer(token string) (string, bool) {
	found := -1
	for i, t := range c.pats {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			found = i
		}
	}
	if found < 0 || token == "" {
		return "", false
	}
	return accountID("pat:" + strconv.Itoa(found)), true
}

// accountID derives a stable Atlassian-looking account id (24 hex digits)
// from a non-secret name.
func accountID(name string) string {
	sum := sha256.Sum256([]byte("mailwiki-sandbox:" + name))
	return hex.EncodeToString(sum[:12])
}

// AddSpace creates a space, or returns the existing one with that key (the
// name is then left unchanged). If the state file cannot be written, the
// error is logged and the space is not added: the Space returned is then
// not found by later calls.
func (s *Sandbox) AddSpace(key, name string) Space {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.st.spaceByKey(key); sp != nil {
		return *sp
	}
	sp := &Space{ID: s.st.newID(), Key: key, Name: name, CreatedAt: s.now().UTC()}
	s.st.Spaces = append(s.st.Spaces, sp)
	if err := s.save(func(w stateTx) error { return w.space(sp) }); err != nil {
		s.st.Spaces = s.st.Spaces[:len(s.st.Spaces)-1]
		s.log.Error("sandbox: space not added: the state file cannot be written", "space", key, "err", err)
	}
	return *sp
}

// SeedDemo adds the demo site: user DemoUser with API token DemoToken and
// the space DemoSpaceKey named DemoSpaceName.
func (s *Sandbox) SeedDemo() {
	s.AddUser(DemoUser, DemoToken)
	s.AddSpace(DemoSpaceKey, DemoSpaceName)
}

// Pages returns copies of the pages of the space with that key, in creation
// order; nil for an unknown space.
func (s *Sandbox) Pages(spaceKey string) []Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaceByKey(spaceKey)
	if sp == nil {
		return nil
	}
	var out []Page
	for _, p := range s.st.pagesIn(sp.ID) {
		out = append(out, *p)
	}
	return out
}

// Attachments returns the current version of each attachment of a page, in
// creation order, with a copy of the stored bytes.
func (s *Sandbox) Attachments(pageID string) []Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Attachment
	for _, a := range s.st.attachmentsOf(pageID) {
		out = append(out, a.export())
	}
	return out
}
