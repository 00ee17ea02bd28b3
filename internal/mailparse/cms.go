package mailparse

import (
	"encoding/asn1"
	"errors"
)

// A small reader of the CMS structures (RFC 5652) that opaque S/MIME
// (RFC 8551) wraps a message in: enough to tell signed from encrypted data
// and to take the signed content out. It reads BER, as senders write it
// (definite and indefinite lengths, constructed OCTET STRINGs), within
// fixed bounds. It never verifies a signature: what it returns is what the
// message says it signed, not a proof of who signed it.

// CMS content types (RFC 5652 section 4 and following, RFC 5083).
var (
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEnvelopedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidAuthEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}
)

// maxBERDepth bounds the nesting the reader follows (an indefinite length
// or a constructed string is read recursively).
const maxBERDepth = 32

var errBER = errors.New("mailparse: CMS structure unreadable")

// berValue is one BER element: its identifier and its contents; for an
// indefinite length the contents end before the end-of-contents octets.
type berValue struct {
	class, tag  int
	constructed bool
	body        []byte // the contents octets
	full        []byte // the whole element, identifier and length included
}

// readBER reads the element at the start of b and returns it and the rest
// of b.
func readBER(b []byte, depth int) (berValue, []byte, error) {
	if depth > maxBERDepth || len(b) < 2 {
		return berValue{}, nil, errBER
	}
	v := berValue{class: int(b[0] >> 6), constructed: b[0]&0x20 != 0, tag: int(b[0] & 0x1f)}
	i := 1
	if v.tag == 0x1f { // high tag number form
		v.tag = 0
		for ; i < len(b) && i < 5; i++ {
			v.tag = v.tag<<7 | int(b[i]&0x7f)
			if b[i]&0x80 == 0 {
				break
			}
		}
		i++
	}
	if i >= len(b) {
		return berValue{}, nil, errBER
	}
	n, hdr, err := berLength(b[i:])
	if err != nil {
		return berValue{}, nil, err
	}
	i += hdr
	if n >= 0 {
		if n > len(b)-i {
			return berValue{}, nil, errBER
		}
		v.body, v.full = b[i:i+n], b[:i+n]
		return v, b[i+n:], nil
	}
	return readIndefinite(v, b, i, depth)
}

// berLength reads a length: its value (-1 for indefinite) and its size.
func berLength(b []byte) (n, size int, err error) {
	switch {
	case b[0] < 0x80:
		return int(b[0]), 1, nil
	case b[0] == 0x80:
		return -1, 1, nil
	}
	k := int(b[0] & 0x7f)
	if k > 4 || len(b) < 1+k {
		return 0, 0, errBER
	}
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n < 0 {
		return 0, 0, errBER
	}
	return n, 1 + k, nil
}

// readIndefinite reads the elements of an indefinite-length value v,
// whose contents start at b[start], up to its end-of-contents octets.
func readIndefinite(v berValue, b []byte, start, depth int) (berValue, []byte, error) {
	if !v.constructed {
		return berValue{}, nil, errBER
	}
	rest := b[start:]
	for {
		if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
			end := len(b) - len(rest)
			v.body, v.full = b[start:end], b[:end+2]
			return v, rest[2:], nil
		}
		var err error
		if _, rest, err = readBER(rest, depth+1); err != nil {
			return berValue{}, nil, err
		}
	}
}

// children returns the elements inside a constructed value.
func (v berValue) children(depth int) ([]berValue, error) {
	var out []berValue
	for rest := v.body; len(rest) > 0; {
		c, r, err := readBER(rest, depth+1)
		if err != nil {
			return nil, err
		}
		out, rest = append(out, c), r
	}
	return out, nil
}

// oid returns the object identifier v holds, or nil.
func (v berValue) oid() asn1.ObjectIdentifier {
	var id asn1.ObjectIdentifier
	if v.class != 0 || v.tag != 6 {
		return nil
	}
	if _, err := asn1.Unmarshal(v.full, &id); err != nil {
		return nil
	}
	return id
}

// octets returns the contents of an OCTET STRING, joining the segments of
// a constructed one.
func (v berValue) octets(depth int) ([]byte, error) {
	if !v.constructed {
		return v.body, nil
	}
	kids, err := v.children(depth)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, k := range kids {
		b, err := k.octets(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// cmsContentInfo returns the content type of a CMS ContentInfo and its
// [0] EXPLICIT content.
func cmsContentInfo(der []byte) (asn1.ObjectIdentifier, berValue, error) {
	ci, _, err := readBER(der, 0)
	if err != nil {
		return nil, berValue{}, err
	}
	kids, err := ci.children(0)
	if err != nil || len(kids) < 2 || kids[1].class != 2 || kids[1].tag != 0 {
		return nil, berValue{}, errBER
	}
	return kids[0].oid(), kids[1], nil
}

// cmsType returns the content type of a CMS ContentInfo, or nil when it
// cannot be read.
func cmsType(der []byte) asn1.ObjectIdentifier {
	id, _, err := cmsContentInfo(der)
	if err != nil {
		return nil
	}
	return id
}

// cmsSignedContent returns the encapsulated content of a CMS SignedData
// (RFC 5652 section 5.2: its eContent), without verifying anything. A
// SignedData without content (a detached signature) is an error.
func cmsSignedContent(der []byte) ([]byte, error) {
	id, content, err := cmsContentInfo(der)
	if err != nil || !id.Equal(oidSignedData) {
		return nil, errBER
	}
	wrapped, err := content.children(1)
	if err != nil || len(wrapped) == 0 {
		return nil, errBER
	}
	fields, err := wrapped[0].children(2) // version, digestAlgorithms, encapContentInfo, …
	if err != nil || len(fields) < 3 {
		return nil, errBER
	}
	encap, err := fields[2].children(3) // eContentType, [0] EXPLICIT eContent
	if err != nil || len(encap) < 2 || encap[1].class != 2 || encap[1].tag != 0 {
		return nil, errBER
	}
	str, err := encap[1].children(4)
	if err != nil || len(str) == 0 {
		return nil, errBER
	}
	return str[0].octets(5)
}
