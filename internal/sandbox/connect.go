package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"time"
)

// connectApp is an installed Connect app: what its descriptor said and the
// shared secret the site generated at its latest installation. Kept in the
// state file (as Confluence keeps it), so that the app's JWTs keep working
// across restarts.
type connectApp struct {
	Key           string          `json:"key"`
	Name          string          `json:"name,omitempty"`
	Description   string          `json:"description,omitempty"`
	BaseURL       string          `json:"baseUrl"`
	DescriptorURL string          `json:"descriptorUrl"`
	Installed     string          `json:"installed,omitempty"`
	Uninstalled   string          `json:"uninstalled,omitempty"`
	AdminPages    []connectModule `json:"adminPages,omitempty"`
	SharedSecret  string          `json:"sharedSecret"`
	InstalledAt   time.Time       `json:"installedAt"`
}

// connectModule is a page module of a descriptor (adminPages).
type connectModule struct {
	Key  string `json:"key"`
	URL  string `json:"url"`
	Name string `json:"name"`
}

func (a *connectApp) adminPage(key string) (connectModule, bool) {
	for _, m := range a.AdminPages {
		if m.Key == key {
			return m, true
		}
	}
	return connectModule{}, false
}

// connectState is the site's Connect host state, guarded by Sandbox.mu.
type connectState struct {
	clientKey string
	apps      map[string]*connectApp       // by app key
	props     map[string]map[string]string // app key → property key → JSON value
}

func newConnectState() connectState {
	return connectState{apps: map[string]*connectApp{}, props: map[string]map[string]string{}}
}

// siteKeys is the site's RSA key for signing lifecycle callbacks, created
// at first use (2048 bits take a while) with a random kid. Every key made
// by this process stays served, by kid, for as long as the process runs.
type siteKeys struct {
	mu     sync.Mutex
	kid    string
	key    *rsa.PrivateKey
	public map[string]*rsa.PublicKey
}

// current returns the signing key and its kid.
func (k *siteKeys) current() (string, *rsa.PrivateKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", nil, fmt.Errorf("sandbox: generate the site's RSA key: %w", err)
		}
		if k.public == nil {
			k.public = map[string]*rsa.PublicKey{}
		}
		k.kid, k.key = "sandbox-"+randomHex(16), key
		k.public[k.kid] = &key.PublicKey
	}
	return k.kid, k.key, nil
}

func (k *siteKeys) lookup(kid string) (*rsa.PublicKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	pub, ok := k.public[kid]
	return pub, ok
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// newClientKey returns a random client key shaped like Confluence's (a UUID).
func newClientKey() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// loadConnect reads the Connect state from the state file, or starts one:
// a new random client key, written to the state file if there is one.
// Called by New.
func (s *Sandbox) loadConnect(ctx context.Context) error {
	s.connect = newConnectState()
	if s.db != nil {
		if err := s.db.loadConnect(ctx, &s.connect); err != nil {
			return err
		}
	}
	if s.connect.clientKey != "" {
		return nil
	}
	s.connect.clientKey = newClientKey()
	return s.save(func(w stateTx) error { return w.setting("client_key", s.connect.clientKey) })
}

// ClientKey returns the site's Connect client key, sent to apps at
// installation and the iss of the tokens the site signs for them.
func (s *Sandbox) ClientKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connect.clientKey
}

// InstalledApps returns the keys of the installed Connect apps, sorted.
func (s *Sandbox) InstalledApps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.connect.apps))
	for k := range s.connect.apps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SharedSecret returns the shared secret the site gave an installed app
// (for tests that check it is never stored in plaintext by the app).
func (s *Sandbox) SharedSecret(appKey string) (string, bool) {
	a, ok := s.app(appKey)
	return a.SharedSecret, ok
}

// app returns a copy of the installed app with that key.
func (s *Sandbox) app(key string) (connectApp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.connect.apps[key]
	if !ok {
		return connectApp{}, false
	}
	return *a, true
}
