package spool

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"sort"
)

// KeySize is the size in bytes of master keys and data keys (AES-256).
const KeySize = 32

// Keyring holds the master keys that wrap per-message data keys. The primary
// key wraps new messages; every key in the ring can unwrap. A Keyring is
// immutable and safe for concurrent use.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
	// resolve finds keys that are not master keys (a tenant's own key,
	// kept sealed elsewhere), nil: none.
	resolve func(id string) ([]byte, bool)
}

// WithResolver returns a copy of the keyring that also finds the keys
// resolve knows: keys kept outside the ring (a tenant's data key, sealed
// in the tenant's registration), used by CreateWithKey. A key resolve no
// longer knows makes every message it wrapped unreadable: deleting it
// crypto-shreds them. resolve must be safe for concurrent use.
func (k *Keyring) WithResolver(resolve func(id string) ([]byte, bool)) *Keyring {
	c := *k
	c.resolve = resolve
	return &c
}

// NewKeyring returns a keyring whose primary key is keys[primaryID]. Every key
// must be KeySize bytes and every id 1..255 printable ASCII characters. The key
// bytes are not retained beyond the AES key schedule.
func NewKeyring(primaryID string, keys map[string][]byte) (*Keyring, error) {
	if _, ok := keys[primaryID]; !ok {
		return nil, fmt.Errorf("spool: primary key id %q is not among the keys %q; add it or choose one of them", primaryID, keyIDs(keys))
	}
	kr := &Keyring{primary: primaryID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if err := validKeyID(id); err != nil {
			return nil, err
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("spool: master key %q is %d bytes; it must be exactly %d random bytes (AES-256), e.g. from `openssl rand 32`", id, len(key), KeySize)
		}
		aead, err := newGCM(key)
		if err != nil {
			return nil, fmt.Errorf("spool: master key %q: %w", id, err)
		}
		kr.aeads[id] = aead
	}
	return kr, nil
}

// PrimaryID returns the id of the key that wraps new messages.
func (k *Keyring) PrimaryID() string { return k.primary }

func (k *Keyring) lookup(id string) (cipher.AEAD, bool) {
	if a, ok := k.aeads[id]; ok {
		return a, true
	}
	if k.resolve == nil {
		return nil, false
	}
	key, ok := k.resolve(id)
	if !ok || len(key) != KeySize {
		return nil, false
	}
	a, err := newGCM(key)
	return a, err == nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > 255 {
		return fmt.Errorf("spool: key id %q must be 1 to 255 characters long", id)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return fmt.Errorf("spool: key id %q must be printable ASCII without spaces", id)
		}
	}
	return nil
}

func keyIDs(keys map[string][]byte) []string {
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealVersion is the first byte of a sealed secret (see Seal).
const sealVersion = 1

// Seal encrypts a small secret (a tenant's shared secret) with the primary
// master key, AES-256-GCM with a random nonce and aad as additional data,
// for storage at rest (promise P1). The result is
// version(1) | len(key id)(1) | key id | nonce(12) | ciphertext+tag, so that
// Open finds the key after a rotation. It implements mailwiki.Sealer.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := k.aeads[k.primary]
	out := make([]byte, 0, 2+len(k.primary)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, sealVersion, byte(len(k.primary)))
	out = append(out, k.primary...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("spool: seal: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts what Seal returned, with the same aad. A value sealed under
// a key no longer in the ring, altered, or bound to another aad is an error.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion || len(sealed) < 2+int(sealed[1]) {
		return nil, fmt.Errorf("spool: open sealed value: unknown format")
	}
	id := string(sealed[2 : 2+int(sealed[1])])
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("spool: open sealed value: master key %q is not configured", id)
	}
	rest := sealed[2+len(id):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("spool: open sealed value: truncated")
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("spool: open sealed value: %w", err)
	}
	return plain, nil
}
