package mailparse

import (
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// decoder does the charset work of one parse in place of enmime: enmime is
// told that every text part is UTF-8 (decoder.parseMediaType), so that a
// part's Content holds the bytes as sent, transfer-decoded only; then
// decodeParts converts each text part to UTF-8 itself, keeping the bytes as
// sent for the parts that become attachments. It also decodes header
// fields and file names. Every reading that is a guess or a rename adds a
// warning. Not safe for concurrent use.
type decoder struct {
	g *guard
	// detect: statistical detection is allowed for text parts without
	// a declared charset (false beyond Limits.MaxDetectBytes of them).
	detect bool
	// raw holds the bytes as sent of the text parts, whose Content is
	// converted (and may be changed further, as format=flowed is);
	// attachments take their data from here.
	raw      map[*enmime.Part][]byte
	warnings []string
}

func newDecoder(g *guard, detect bool) *decoder {
	return &decoder{g: g, detect: detect, raw: make(map[*enmime.Part][]byte)}
}

// warn adds a warning once, up to maxWarnings.
func (d *decoder) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if len(d.warnings) >= maxWarnings {
		return
	}
	for _, x := range d.warnings {
		if x == w {
			return
		}
	}
	d.warnings = append(d.warnings, w)
}

// parseMediaType is the guard's media type parser, with the charset of
// text types replaced by utf-8 (enmime then leaves the bytes as they are)
// and file names decoded (decodeParams).
func (d *decoder) parseMediaType(v string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := d.g.parseMediaType(v)
	if err != nil || params == nil {
		return mtype, params, invalid, err
	}
	d.decodeParams(v, params)
	if strings.HasPrefix(mtype, "text/") {
		params["charset"] = "utf-8"
	}
	return mtype, params, invalid, err
}

// bytesOf returns the data of part p: the bytes as sent (transfer-decoded),
// also for a text part whose Content was converted to UTF-8.
func (d *decoder) bytesOf(p *enmime.Part) []byte {
	if b, ok := d.raw[p]; ok {
		return b
	}
	return p.Content
}

// decodeParts converts the Content of every text part below root to UTF-8
// from its declared charset (read as WHATWG says), or, when it declares
// none, from its byte order mark, its HTML <meta> charset, statistical
// detection, or windows-1252. Parts that are attachments are converted
// too (their text may be summarised), without warnings: their data stays
// as sent.
func (d *decoder) decodeParts(root *enmime.Part) {
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild == nil && strings.HasPrefix(p.ContentType, "text/") && len(p.Content) > 0 {
			d.decodePart(p)
		}
		return false
	})
}

func (d *decoder) decodePart(p *enmime.Part) {
	label := ""
	if _, params, _, err := parseMediaType(p.Header.Get("Content-Type")); err == nil {
		label = params["charset"]
	}
	out, name, why := d.text(p.Content, label, p.ContentType == "text/html")
	if why != "" && p.Disposition != "attachment" {
		d.warn("part %s: %s", p.PartID, why)
	}
	p.Charset = name
	d.raw[p] = p.Content
	p.Content = out
}

// text converts b, declared in charset label ("" for none), to UTF-8. It
// returns the charset used and, for a guess, a rename or replaced bytes,
// a warning (safe text).
func (d *decoder) text(b []byte, label string, html bool) (out []byte, name, why string) {
	if strings.TrimSpace(label) == "" {
		return d.undeclared(b, html)
	}
	enc, name, ok := lookupCharset(label, b)
	if !ok {
		// Read as if undeclared; its reason ("no charset declared, …")
		// would contradict the label, so the sentence is ours.
		out, name, _ = d.undeclared(b, html)
		if name == "" {
			return out, name, "unknown charset, bytes kept"
		}
		return out, name, "unknown charset, read as " + name
	}
	out, replaced := decodeWith(enc, name, b)
	why = renamed(label, name, b)
	if replaced {
		why = joinWhy(why, "invalid "+name+" bytes replaced")
	}
	return out, name, why
}

// metaCharset finds the charset of an HTML <meta> element (HTML 4
// http-equiv or HTML 5 charset) near the start of a document.
var metaCharset = regexp.MustCompile(`(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)`)

// maxMetaScan is how far into an HTML part a <meta> charset is looked for;
// browsers look at 1024 bytes, mail often puts long styles first.
const maxMetaScan = 16 << 10

// minDetectRunes and minDetectConfidence are enmime's thresholds for
// statistical charset detection.
const (
	minDetectRunes      = 100
	minDetectConfidence = 85
)

// undeclared converts text that declares no charset: a byte order mark,
// then (HTML) a <meta> charset, then plain ASCII or valid UTF-8, then
// statistical detection when allowed, else windows-1252.
func (d *decoder) undeclared(b []byte, html bool) (out []byte, name, why string) {
	switch {
	case bytes.HasPrefix(b, []byte("\uFEFF")):
		return bytes.ToValidUTF8(b[3:], []byte("\uFFFD")), "utf-8", ""
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		enc, name, _ := utf16Of(b)
		out, _ = decodeWith(enc, name, b)
		return out, name, ""
	}
	if html {
		if m := metaCharset.FindSubmatch(b[:min(len(b), maxMetaScan)]); m != nil {
			if enc, name, ok := lookupCharset(string(m[1]), b); ok && !strings.HasPrefix(name, "utf-16") {
				out, _ = decodeWith(enc, name, b)
				return out, name, renamed(string(m[1]), name, b)
			}
		}
	}
	if isASCII(b) {
		return b, "us-ascii", ""
	}
	if utf8.Valid(b) {
		return b, "utf-8", "no charset declared, read as utf-8"
	}
	if d.detect && utf8.RuneCount(b) >= minDetectRunes {
		if enc, name, ok := detectCharset(b, html); ok {
			out, _ = decodeWith(enc, name, b)
			return out, name, "no charset declared, detected " + name
		}
	}
	if !d.detect {
		return b, "", "" // Limits.MaxDetectBytes: kept as they are, ParseContext warns
	}
	out, _ = decodeWith(charmap.Windows1252, "windows-1252", b)
	return out, "windows-1252", "no charset declared, read as windows-1252"
}

// detectCharset guesses the charset of b statistically (about 0.1 s of CPU
// per MB).
func detectCharset(b []byte, html bool) (enc encoding.Encoding, name string, ok bool) {
	det := chardet.NewTextDetector()
	if html {
		det = chardet.NewHtmlDetector()
	}
	r, err := det.DetectBest(b)
	if err != nil || r == nil || r.Confidence < minDetectConfidence {
		return nil, "", false
	}
	return lookupCharset(r.Charset, b)
}

// joinWhy joins two warnings' reasons, either of which may be empty.
func joinWhy(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// header returns header field key of env's top level decoded to UTF-8.
func (d *decoder) header(env *enmime.Envelope, key string) string {
	return d.words(env.Root.Header.Get(key), key)
}

// addresses parses address list header key of env's top level, its
// encoded words and 8-bit bytes decoded by d.
func (d *decoder) addresses(env *enmime.Envelope, key string) ([]*mail.Address, error) {
	return enmime.ParseAddressList(d.reencode(env.Root.Header.Get(key), key))
}
