package connect

import (
	"crypto/rsa"
	"time"
)

// The key source's two caches, both guarded by keySource.mu and both
// bounded: keys the service gave (keyCacheTTL, keyCacheMax) and ids it did
// not know (keyMissTTL, keyMissMax).

type cachedKey struct {
	key     *rsa.PublicKey
	fetched time.Time
}

// cached returns the unexpired cached key kid.
func (s *keySource) cached(kid string) (*rsa.PublicKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.keys[kid]
	if !ok || s.now().Sub(c.fetched) >= keyCacheTTL {
		return nil, false
	}
	return c.key, true
}

// store caches key under kid, first dropping expired entries and, when the
// cache is still full, the oldest one.
func (s *keySource) store(kid string, key *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, c := range s.keys {
		if now.Sub(c.fetched) >= keyCacheTTL {
			delete(s.keys, id)
		}
	}
	if len(s.keys) >= keyCacheMax {
		s.evictOldest()
	}
	s.keys[kid] = cachedKey{key: key, fetched: now}
	delete(s.misses, kid)
}

func (s *keySource) evictOldest() {
	var oldest string
	var at time.Time
	for id, c := range s.keys {
		if oldest == "" || c.fetched.Before(at) {
			oldest, at = id, c.fetched
		}
	}
	delete(s.keys, oldest)
}

// missed reports whether the service answered that kid is unknown less than
// keyMissTTL ago.
func (s *keySource) missed(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.misses[kid]
	return ok && s.now().Sub(at) < keyMissTTL
}

// storeMiss remembers that the service does not know kid, first dropping
// expired entries and, when the cache is still full, the oldest one.
func (s *keySource) storeMiss(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, at := range s.misses {
		if now.Sub(at) >= keyMissTTL {
			delete(s.misses, id)
		}
	}
	if len(s.misses) >= keyMissMax {
		s.evictOldestMiss()
	}
	s.misses[kid] = now
}

func (s *keySource) evictOldestMiss() {
	var oldest string
	var first time.Time
	for id, at := range s.misses {
		if oldest == "" || at.Before(first) {
			oldest, first = id, at
		}
	}
	delete(s.misses, oldest)
}
