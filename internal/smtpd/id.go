package smtpd

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet; it is in ASCII order, so ids sort
// like the times they encode.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new queue or connection id: 16 characters of Crockford
// base32 encoding 42 bits of Unix milliseconds (good until the year 2109)
// followed by 38 random bits. Ids sort by creation time to the millisecond.
//
// Why 16 and not 12 characters: with 60 bits, whatever the split between time
// and randomness, two ids collide about R²/7·10⁸ times per second at R ids per
// second over a 100-year range: every few minutes at 2,000 msg/s. With 38
// random bits per millisecond the rate is about once in four years at
// 2,000 msg/s. The spool refuses to overwrite an existing id, so a collision is
// a 451 (retry), never a lost message.
func NewID() string {
	return newIDAt(time.Now())
}

func newIDAt(t time.Time) string {
	var rnd [8]byte
	rand.Read(rnd[:]) // never fails (crypto/rand)
	ms := uint64(t.UnixMilli()) & (1<<42 - 1)
	r := binary.BigEndian.Uint64(rnd[:]) & (1<<38 - 1)
	hi := ms >> 2 // the top 40 of 42 bits
	lo := (ms&3)<<38 | r
	var b [16]byte
	for i := 7; i >= 0; i-- {
		b[i] = crockford[hi&31]
		hi >>= 5
	}
	for i := 15; i >= 8; i-- {
		b[i] = crockford[lo&31]
		lo >>= 5
	}
	return string(b[:])
}
