package tenant

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Hasher computes the keyed hashes the server keeps instead of addresses
// and sender entries (promises P10, P11): HMAC-SHA256 under a server secret,
// of the kind and the normalised value ("address\x00docs@x.test"), so that
// an address hash never equals a sender hash. Several keys may be known
// during a rotation: new hashes use the primary, lookups try every key. A
// Hasher is immutable and safe for concurrent use.
type Hasher struct {
	primary string
	keys    map[string][]byte
	order   []string // primary first, then the others by id
}

// NewHasher returns a Hasher whose new hashes use keys[primary]. Each key
// must be at least 32 bytes.
func NewHasher(primary string, keys map[string][]byte) (*Hasher, error) {
	if _, ok := keys[primary]; !ok {
		return nil, fmt.Errorf("tenant: hash key id %q is not among the hash keys; add it or choose one of them", primary)
	}
	h := &Hasher{primary: primary, keys: map[string][]byte{}, order: []string{primary}}
	var others []string
	for id, k := range keys {
		if len(k) < 32 {
			return nil, fmt.Errorf("tenant: hash key %q is %d bytes; use at least 32 random bytes (e.g. `openssl rand -base64 32`)", id, len(k))
		}
		h.keys[id] = append([]byte(nil), k...)
		if id != primary {
			others = append(others, id)
		}
	}
	sort.Strings(others)
	h.order = append(h.order, others...)
	return h, nil
}

// Primary returns the id of the key new hashes use.
func (h *Hasher) Primary() string { return h.primary }

// Sum returns the hash of one normalised value under the primary key.
func (h *Hasher) Sum(kind, value string) mailwiki.KeyedHash {
	return h.sum(h.primary, kind, value)
}

// All returns the hashes of value under every key, the primary first: what
// a lookup tries.
func (h *Hasher) All(kind, value string) []mailwiki.KeyedHash {
	out := make([]mailwiki.KeyedHash, 0, len(h.order))
	for _, id := range h.order {
		out = append(out, h.sum(id, kind, value))
	}
	return out
}

func (h *Hasher) sum(id, kind, value string) mailwiki.KeyedHash {
	m := hmac.New(sha256.New, h.keys[id])
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return mailwiki.KeyedHash{KeyID: id, Sum: m.Sum(nil)}
}

// NormalizeAddress is the form an address is hashed in: trimmed and
// lower-cased (mailwiki's addresses are case-insensitive, local part too).
func NormalizeAddress(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// SenderCandidates lists the sender-list entries that would admit addr:
// the address itself, "@domain", and ".d" for the domain and each parent
// domain of two labels or more (".domain" admits the domain and its
// subdomains). An address without a domain has none.
func SenderCandidates(addr string) []string {
	addr = NormalizeAddress(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return nil
	}
	domain := addr[at+1:]
	out := []string{addr, "@" + domain}
	for d := domain; strings.Contains(d, "."); d = d[strings.IndexByte(d, '.')+1:] {
		out = append(out, "."+d)
	}
	return out
}
