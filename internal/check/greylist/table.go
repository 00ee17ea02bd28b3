package greylist

import (
	"container/list"
	"time"
)

// key is the salted SHA-256 hash of a triplet.
type key [32]byte

// entry is one remembered triplet.
type entry struct {
	key       key
	first     time.Time // first sighting of a pending triplet
	confirmed bool
	expires   time.Time // pending: first+PendingTTL; confirmed: last pass+Keep
	elem      *list.Element
}

// table holds the triplets: a map for lookups and two lists for expiry and
// eviction, each in order of expiry because every entry of a list has the
// same lifetime: pending entries by first sighting, confirmed ones by last
// use. Not safe for concurrent use; the Greylist locks around it.
type table struct {
	max       int
	entries   map[key]*entry
	pending   *list.List // of *entry, oldest first sighting at the front
	confirmed *list.List // of *entry, least recently used at the front
}

func newTable(maxEntries int) *table {
	return &table{max: maxEntries, entries: make(map[key]*entry), pending: list.New(), confirmed: list.New()}
}

// get returns the live entry of k, forgetting it when it has expired.
func (t *table) get(k key, now time.Time) *entry {
	e := t.entries[k]
	if e != nil && now.After(e.expires) {
		t.remove(e)
		return nil
	}
	return e
}

// addPending remembers k as first seen now, making room first when the
// table is full.
func (t *table) addPending(k key, now, expires time.Time) *entry {
	t.sweep(now)
	for len(t.entries) >= t.max {
		if !t.evictOne() {
			break
		}
	}
	e := &entry{key: k, first: now, expires: expires}
	e.elem = t.pending.PushBack(e)
	t.entries[k] = e
	return e
}

// confirm moves a pending entry to the confirmed list, or renews a
// confirmed one, to expire at expires.
func (t *table) confirm(e *entry, expires time.Time) {
	e.expires = expires
	if e.confirmed {
		t.confirmed.MoveToBack(e.elem)
		return
	}
	t.pending.Remove(e.elem)
	e.confirmed = true
	e.elem = t.confirmed.PushBack(e)
}

// sweep drops the expired entries at the front of both lists.
func (t *table) sweep(now time.Time) {
	for _, l := range []*list.List{t.pending, t.confirmed} {
		for f := l.Front(); f != nil && now.After(f.Value.(*entry).expires); f = l.Front() {
			t.remove(f.Value.(*entry))
		}
	}
}

// evictOne drops the oldest pending entry or, when none is pending, the
// least recently used confirmed one. It reports whether it dropped one.
func (t *table) evictOne() bool {
	f := t.pending.Front()
	if f == nil {
		f = t.confirmed.Front()
	}
	if f == nil {
		return false
	}
	t.remove(f.Value.(*entry))
	return true
}

func (t *table) remove(e *entry) {
	if e.confirmed {
		t.confirmed.Remove(e.elem)
	} else {
		t.pending.Remove(e.elem)
	}
	delete(t.entries, e.key)
}

// counts returns how many entries are pending and confirmed.
func (t *table) counts() (pending, confirmed int) {
	return t.pending.Len(), t.confirmed.Len()
}
