package mailparse

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A reader of Transport Neutral Encapsulation Format streams (winmail.dat),
// as specified by [MS-OXTNEF]: a signature and a key, then attributes of
// the message (level 1) or of an attachment (level 2), each an id, a length,
// the data and a checksum. Attachment properties travel as a MAPI property
// list (attAttachment); the message's body as attBody or as MAPI
// properties (attMAPIProps). Only what mailwiki needs is kept: every
// attachment's names, type, method and bytes, and which bodies exist.
//
// The reader never allocates more than the stream's size: every value it
// returns is a sub-slice of the input, and every count is checked against
// the bytes left before it is used.

const tnefSignature = 0x223E9F78

// Attribute levels and ids ([MS-OXTNEF] section 2.1.3.1). Ids are compared
// without their type word, which some writers get wrong.
const (
	levelMessage    = 0x01
	levelAttachment = 0x02

	attBody           = 0x800C
	attAttachData     = 0x800F
	attAttachTitle    = 0x8010
	attMAPIProps      = 0x9003
	attAttachRenddata = 0x9002
	attAttachment     = 0x9005
)

// MAPI property ids and types ([MS-OXPROPS], [MS-OXCDATA] section 2.11.1).
const (
	prBody              = 0x1000
	prRTFCompressed     = 0x1009
	prBodyHTML          = 0x1013
	prDisplayName       = 0x3001
	prAttachDataObj     = 0x3701
	prAttachFilename    = 0x3704
	prAttachMethod      = 0x3705
	prAttachLongName    = 0x3707
	prAttachMimeTag     = 0x370E
	prAttachContentID   = 0x3712
	ptypString8         = 0x001E
	ptypString          = 0x001F
	ptypBinary          = 0x0102
	ptypObject          = 0x000D
	ptypMultipleFlag    = 0x1000
	attachEmbeddedMsg   = 5
	attachOLE           = 6
	iidLen              = 16
	namedPropertyIDBase = 0x8000
)

// iidIMessage is the interface id that marks an embedded message
// (00020307-0000-0000-C000-000000000046), as stored on the wire.
var iidIMessage = [iidLen]byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

var errTNEFTruncated = errors.New("tnef: stream truncated")

// tnefMessage is what readTNEF keeps of a stream.
type tnefMessage struct {
	files []*tnefFile
	// body names the forms of the message body found ("RTF", "HTML",
	// "text"), in the order met.
	body []string
	// html and text are the message body's bytes in those forms (HTML as
	// stored, text as stored: 8-bit or UTF-16 by property type), kept so
	// that a winmail.dat holding only a body loses nothing.
	html, text []byte
	// damaged is set when the stream ends early or holds an attribute
	// that cannot be read: what came before it is kept.
	damaged bool
}

// tnefFile is one attachment of a TNEF stream. data is attAttachData (the
// file for attachments by value, a placeholder text for embedded ones);
// object is PR_ATTACH_DATA_OBJ/BIN, without its interface id when it is a
// PT_OBJECT.
type tnefFile struct {
	title, longName, fileName, displayName string
	mimeTag, contentID                     string
	method                                 uint32
	data, object                           []byte
	iid                                    []byte
}

// readTNEF reads a TNEF stream. It fails only when b is not TNEF at all;
// a stream that breaks off is returned as far as it was read, damaged.
func readTNEF(b []byte) (*tnefMessage, error) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return nil, errors.New("tnef: no TNEF signature")
	}
	m := &tnefMessage{}
	for pos := 6; pos < len(b); {
		n, err := m.attribute(b[pos:])
		if err != nil {
			m.damaged = true
			break
		}
		pos += n
	}
	return m, nil
}

// attribute reads the attribute at the start of b and returns its size.
func (m *tnefMessage) attribute(b []byte) (int, error) {
	if len(b) < 9 {
		return 0, errTNEFTruncated
	}
	level, id := b[0], uint16(binary.LittleEndian.Uint32(b[1:]))
	size := uint64(binary.LittleEndian.Uint32(b[5:]))
	if size > uint64(len(b)-9) {
		return 0, errTNEFTruncated
	}
	data := b[9 : 9+size]
	switch level {
	case levelMessage:
		m.messageAttribute(id, data)
	case levelAttachment:
		if err := m.attachmentAttribute(id, data); err != nil {
			return 0, err
		}
	default:
		return 0, errors.New("tnef: unknown attribute level")
	}
	// The 2-byte checksum may be missing after the last attribute.
	return min(len(b), 9+int(size)+2), nil
}

// messageAttribute notes which forms of the message body are present.
func (m *tnefMessage) messageAttribute(id uint16, data []byte) {
	switch id {
	case attBody:
		m.noteBody("text")
		if m.text == nil {
			m.text = data
		}
	case attMAPIProps:
		_ = eachProperty(data, func(p property) {
			switch p.id {
			case prRTFCompressed:
				m.noteBody("RTF")
			case prBodyHTML:
				m.noteBody("HTML")
				if len(p.values) > 0 {
					m.html = p.values[0]
				}
			case prBody:
				m.noteBody("text")
				if len(p.values) > 0 && p.text() != "" {
					m.text = []byte(p.text())
				}
			}
		})
	}
}

func (m *tnefMessage) noteBody(form string) {
	for _, f := range m.body {
		if f == form {
			return
		}
	}
	m.body = append(m.body, form)
}

// attachmentAttribute adds to the current attachment; attAttachRenddata
// starts a new one, and so does any attachment attribute before it.
func (m *tnefMessage) attachmentAttribute(id uint16, data []byte) error {
	if id == attAttachRenddata || len(m.files) == 0 {
		m.files = append(m.files, &tnefFile{})
	}
	f := m.files[len(m.files)-1]
	switch id {
	case attAttachTitle:
		f.title = string8(data)
	case attAttachData:
		f.data = data
	case attAttachment:
		return eachProperty(data, f.property)
	}
	return nil
}

// property keeps the attachment properties mailwiki uses.
func (f *tnefFile) property(p property) {
	switch p.id {
	case prAttachLongName:
		f.longName = p.text()
	case prAttachFilename:
		f.fileName = p.text()
	case prDisplayName:
		f.displayName = p.text()
	case prAttachMimeTag:
		f.mimeTag = p.text()
	case prAttachContentID:
		f.contentID = p.text()
	case prAttachMethod:
		if len(p.values) > 0 && len(p.values[0]) >= 4 {
			f.method = binary.LittleEndian.Uint32(p.values[0])
		}
	case prAttachDataObj:
		if len(p.values) == 0 {
			return
		}
		v := p.values[0]
		if p.typ == ptypObject && len(v) >= iidLen {
			f.iid, v = v[:iidLen], v[iidLen:]
		}
		f.object = v
	}
}

// property is one MAPI property of an attribute: its id, its type without
// the multiple-values flag, and its raw values.
type property struct {
	id, typ uint16
	values  [][]byte
}

// text returns a string property's first value.
func (p property) text() string {
	if len(p.values) == 0 {
		return ""
	}
	switch p.typ {
	case ptypString:
		return utf16String(p.values[0])
	case ptypString8:
		return string8(p.values[0])
	}
	return ""
}

// eachProperty calls fn for every property of a MAPI property list
// ([MS-OXTNEF] section 2.1.3.4) until the list ends or cannot be read.
func eachProperty(b []byte, fn func(property)) error {
	r := &wire{b: b}
	count := r.u32()
	for i := uint32(0); i < count && r.err == nil; i++ {
		p := r.property()
		if r.err == nil {
			fn(p)
		}
	}
	return r.err
}

// wire reads little-endian values from b; the first read past its end
// sets err, and every read after returns zero values.
type wire struct {
	b   []byte
	err error
}

func (r *wire) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errTNEFTruncated
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *wire) u32() uint32 {
	v := r.bytes(4)
	if v == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(v)
}

// padded reads n bytes and the padding to the next multiple of 4.
func (r *wire) padded(n uint64) []byte {
	v := r.bytes(n)
	if pad := (4 - n%4) % 4; r.err == nil && pad <= uint64(len(r.b)) {
		r.b = r.b[pad:]
	}
	return v
}

// property reads one property: tag, the name of a named property, values.
func (r *wire) property() property {
	tag := r.u32()
	p := property{id: uint16(tag >> 16), typ: uint16(tag) &^ ptypMultipleFlag}
	if p.id >= namedPropertyIDBase {
		r.bytes(16) // property set GUID
		if kind := r.u32(); kind == 1 {
			r.padded(uint64(r.u32()))
		} else {
			r.u32()
		}
	}
	multiple := uint16(tag)&ptypMultipleFlag != 0
	size, variable := fixedSize(p.typ)
	if !variable && size < 0 {
		r.err = errors.New("tnef: unknown property type")
		return p
	}
	count := uint32(1)
	if multiple || variable {
		count = r.u32()
	}
	if !variable && size == 0 {
		return p
	}
	if uint64(count) > uint64(len(r.b)) { // every value takes 4 bytes or more
		r.err = errTNEFTruncated
		return p
	}
	for i := uint32(0); i < count && r.err == nil; i++ {
		if variable {
			size = int(r.u32())
		}
		if v := r.padded(uint64(size)); r.err == nil && len(p.values) < 16 {
			p.values = append(p.values, v)
		}
	}
	return p
}

// fixedSize returns the size of a value of type typ, or variable when each
// value carries its own size; -1 for a type it does not know.
func fixedSize(typ uint16) (size int, variable bool) {
	switch typ {
	case ptypString8, ptypString, ptypBinary, ptypObject:
		return 0, true
	case 0x0000, 0x0001: // unspecified, null
		return 0, false
	case 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: // int16, int32, float, error, bool
		return 4, false
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // double, currency, apptime, int64, time
		return 8, false
	case 0x0048: // GUID
		return 16, false
	}
	return -1, false
}

// string8 decodes an 8-bit string up to its first NUL: UTF-8 when it is
// valid UTF-8, else Windows-1252 (what Outlook writes for western names).
func string8(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	rs := make([]rune, 0, len(b))
	for _, c := range b {
		if c >= 0x80 && c < 0xA0 {
			rs = append(rs, cp1252[c-0x80])
			continue
		}
		rs = append(rs, rune(c))
	}
	return string(rs)
}

// cp1252 maps Windows-1252's bytes 0x80 to 0x9F; the rest are Latin-1.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// utf16String decodes a UTF-16LE string up to its first NUL.
func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
