package spool

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrCorrupt is wrapped by every error that means a spool file failed
// authentication or does not follow the format: tampering, truncation,
// reordering, or a master key with the right id but the wrong bytes.
var ErrCorrupt = errors.New("spool: message failed authentication or is malformed")

// ErrUnknownKey is wrapped when a file names a master key id that is not in
// the keyring (a key was removed before its messages expired).
var ErrUnknownKey = errors.New("spool: master key not in keyring")

const (
	magic          = "MWSPOOL"
	version        = 1
	segmentSize    = 64 << 10
	maxSegmentSize = 16 << 20
	tagSize        = 16
	wrapNonceSize  = 12
	prefixSize     = 7
	wrappedKeySize = KeySize + tagSize
	// fixedHeader is the header length without the key id.
	fixedHeader = len(magic) + 1 + 1 + wrapNonceSize + wrappedKeySize + 8 + 4 + prefixSize
)

// header is the decoded file header. raw holds its exact bytes, the
// associated data of every segment.
type header struct {
	keyID      string
	wrapNonce  []byte
	wrappedKey []byte
	created    time.Time
	segSize    int
	prefix     []byte
	raw        []byte
}

// newHeader wraps a fresh data key under the key keyID (the keyring's
// primary key, or one its resolver knows) for the message id and returns
// the header and the data key.
func newHeader(kr *Keyring, keyID, id string, created time.Time) (*header, []byte, error) {
	master, ok := kr.lookup(keyID)
	if !ok {
		return nil, nil, fmt.Errorf("spool: key %q: %w", keyID, ErrUnknownKey)
	}
	dataKey := make([]byte, KeySize)
	h := &header{keyID: keyID, wrapNonce: make([]byte, wrapNonceSize), created: created,
		segSize: segmentSize, prefix: make([]byte, prefixSize)}
	for _, b := range [][]byte{dataKey, h.wrapNonce, h.prefix} {
		if _, err := rand.Read(b); err != nil {
			return nil, nil, fmt.Errorf("spool: random: %w", err)
		}
	}
	h.wrappedKey = master.Seal(nil, h.wrapNonce, dataKey, wrapAD(h.keyID, id))
	h.raw = h.encode()
	return h, dataKey, nil
}

func (h *header) encode() []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.WriteByte(version)
	b.WriteByte(byte(len(h.keyID)))
	b.WriteString(h.keyID)
	b.Write(h.wrapNonce)
	b.Write(h.wrappedKey)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.created.UnixNano())))
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(h.segSize)))
	b.Write(h.prefix)
	return b.Bytes()
}

// wrapAD is the associated data of the key wrap: the header up to the key id
// and the message id, so a file does not decrypt under another id.
func wrapAD(keyID, id string) []byte {
	ad := append([]byte(magic), version, byte(len(keyID)))
	ad = append(ad, keyID...)
	return append(ad, id...)
}

// readHeader reads and parses a header; it does not authenticate it (the
// key unwrap and the first segment do).
func readHeader(r io.Reader) (*header, error) {
	lead := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(r, lead); err != nil {
		return nil, fmt.Errorf("header: %w: %w", ErrCorrupt, err)
	}
	if string(lead[:len(magic)]) != magic || lead[len(magic)] != version || lead[len(magic)+1] == 0 {
		return nil, fmt.Errorf("header: bad magic, version or key id length: %w", ErrCorrupt)
	}
	keyLen := int(lead[len(magic)+1])
	rest := make([]byte, keyLen+fixedHeader-len(lead))
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, fmt.Errorf("header: %w: %w", ErrCorrupt, err)
	}
	return parseHeader(append(lead, rest...), keyLen)
}

func parseHeader(raw []byte, keyLen int) (*header, error) {
	p := raw[len(magic)+2:]
	take := func(n int) []byte { b := p[:n:n]; p = p[n:]; return b }
	h := &header{raw: raw, keyID: string(take(keyLen)), wrapNonce: take(wrapNonceSize), wrappedKey: take(wrappedKeySize)}
	if validKeyID(h.keyID) != nil {
		return nil, fmt.Errorf("header: key id: %w", ErrCorrupt)
	}
	h.created = time.Unix(0, int64(binary.BigEndian.Uint64(take(8))))
	h.segSize = int(binary.BigEndian.Uint32(take(4)))
	h.prefix = take(prefixSize)
	if h.segSize < 1 || h.segSize > maxSegmentSize {
		return nil, fmt.Errorf("header: segment size %d: %w", h.segSize, ErrCorrupt)
	}
	return h, nil
}

// unwrap recovers the data key and returns the segment AEAD.
func (h *header) unwrap(kr *Keyring, id string) (cipher.AEAD, error) {
	master, ok := kr.lookup(h.keyID)
	if !ok {
		return nil, fmt.Errorf("key id %q: %w", h.keyID, ErrUnknownKey)
	}
	dataKey, err := master.Open(nil, h.wrapNonce, h.wrappedKey, wrapAD(h.keyID, id))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key with %q: %w", h.keyID, ErrCorrupt)
	}
	return newGCM(dataKey)
}

// segmentNonce is prefix ‖ uint32be(i) ‖ last.
func segmentNonce(prefix []byte, i uint32, last bool) []byte {
	n := make([]byte, 0, prefixSize+5)
	n = append(n, prefix...)
	n = binary.BigEndian.AppendUint32(n, i)
	if last {
		return append(n, 1)
	}
	return append(n, 0)
}
