package mailparse

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailwiki/mailwiki"
)

// tnefBuilder writes a TNEF stream for tests ([MS-OXTNEF] section 2.1.3).
type tnefBuilder struct{ bytes.Buffer }

func newTNEF() *tnefBuilder {
	b := &tnefBuilder{}
	b.u32(tnefSignature)
	b.u16(0x0001) // key
	return b
}

func (b *tnefBuilder) u16(v uint16) { _ = binary.Write(&b.Buffer, binary.LittleEndian, v) }
func (b *tnefBuilder) u32(v uint32) { _ = binary.Write(&b.Buffer, binary.LittleEndian, v) }

// attr writes one attribute with its checksum; id includes the type word.
func (b *tnefBuilder) attr(level byte, id uint32, data []byte) *tnefBuilder {
	b.WriteByte(level)
	b.u32(id)
	b.u32(uint32(len(data)))
	b.Write(data)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	b.u16(sum)
	return b
}

// file writes an attachment by value: title (8.3), data, long name.
func (b *tnefBuilder) file(title, long string, data []byte) *tnefBuilder {
	b.attr(levelAttachment, 0x00069002, make([]byte, 14))
	b.attr(levelAttachment, 0x00018010, append([]byte(title), 0))
	b.attr(levelAttachment, 0x0006800F, data)
	return b.attr(levelAttachment, 0x00069005, props(unicodeProp(prAttachLongName, long)))
}

// props encodes a MAPI property list.
func props(values ...[]byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(values)))
	for _, v := range values {
		out = append(out, v...)
	}
	return out
}

// variableProp encodes a single-valued property of a variable-size type.
func variableProp(id, typ uint16, v []byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(id)<<16|uint32(typ))
	out = binary.LittleEndian.AppendUint32(out, 1)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(v)))
	out = append(out, v...)
	return append(out, make([]byte, (4-len(v)%4)%4)...)
}

func unicodeProp(id uint16, s string) []byte {
	var v []byte
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		v = binary.LittleEndian.AppendUint16(v, u)
	}
	return variableProp(id, ptypString, v)
}

func tnefAttachment(data []byte) mailwiki.Attachment {
	return mailwiki.Attachment{Filename: "winmail.dat", ContentType: "application/ms-tnef", Data: data}
}

func TestParseUnpacksWinmail(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4\r\n\x00\xff binary\r\n")
	tnef := newTNEF().
		attr(levelMessage, 0x00069003, props(variableProp(prBodyHTML, ptypBinary, []byte("<p>hi</p>")))).
		file("REPORT~1.PDF", "Quarterly report 2026.pdf", pdf).
		Bytes()
	raw := crlf("From: a@example.org\nSubject: report\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee attached.\n" +
		"--b\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n" +
		"Content-Disposition: attachment; filename=\"winmail.dat\"\n\n" + base64.StdEncoding.EncodeToString(tnef) + "\n--b--\n")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(msg.Attachments) != 1 {
		t.Fatalf("attachments %d, want the 1 file inside winmail.dat", len(msg.Attachments))
	}
	a := msg.Attachments[0]
	if a.Filename != "Quarterly report 2026.pdf" || a.ContentType != "application/pdf" || !bytes.Equal(a.Data, pdf) {
		t.Errorf("attachment %q %q %q, want the long name, application/pdf, the bytes", a.Filename, a.ContentType, a.Data)
	}
	for _, w := range []string{
		"winmail.dat (Outlook TNEF) replaced by the 1 files inside it",
		"the Outlook message body (HTML) inside winmail.dat was not shown",
	} {
		if !slices.Contains(msg.Warnings, w) {
			t.Errorf("warnings %q, want %q", msg.Warnings, w)
		}
	}
}

func TestExpandWinmailKeepsWhatItCannotRead(t *testing.T) {
	t.Parallel()
	two := newTNEF().file("A.TXT", "a.txt", []byte("a")).file("B.TXT", "b.txt", []byte("b")).Bytes()
	cases := []struct {
		name    string
		data    []byte
		lim     winmailLimits
		warning string
	}{
		{"not TNEF", []byte("hello"), winmailLimits{}, "is not readable: kept as it is"},
		{"damaged at once", append(newTNEF().Bytes(), 9, 9, 9, 9, 9, 9, 9, 9, 9, 9), winmailLimits{}, "no file could be read from it: kept as it is"},
		{"too many files", two, winmailLimits{MaxFiles: 1}, "holds more than 1 files"},
		{"too many bytes", two, winmailLimits{MaxBytes: 1}, "or 1 bytes: kept as it is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := []mailwiki.Attachment{{Filename: "x.txt", Data: []byte("x")}, tnefAttachment(c.data)}
			out, warnings := expandWinmailLimits(in, c.lim)
			if len(out) != 2 || out[1].Filename != "winmail.dat" || !bytes.Equal(out[1].Data, c.data) {
				t.Errorf("out %+v, want the input unchanged", out)
			}
			if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, c.warning) }) {
				t.Errorf("warnings %q, want one containing %q", warnings, c.warning)
			}
		})
	}
}

func TestExpandWinmailTruncatedKeepsFilesBefore(t *testing.T) {
	t.Parallel()
	full := newTNEF().file("A.TXT", "a.txt", []byte("first")).file("B.TXT", "b.txt", []byte("second")).Bytes()
	out, warnings := expandWinmail([]mailwiki.Attachment{tnefAttachment(full[:len(full)-20])})
	if len(out) == 0 || out[0].Filename != "a.txt" || string(out[0].Data) != "first" {
		t.Fatalf("out %+v, want a.txt first", out)
	}
	if !slices.Contains(warnings, "winmail.dat is damaged: what follows the damage is lost") {
		t.Errorf("warnings %q, want the damage named", warnings)
	}
}

func TestIsTNEF(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, ct string
		want     bool
	}{
		{"winmail.dat", "application/octet-stream", true},
		{"WINMAIL.DAT", "", true},
		{"win.dat", "", true},
		{"x", "application/vnd.ms-tnef", true},
		{"x", "Application/MS-TNEF; name=x", true},
		{"winmail.dat.txt", "text/plain", false},
		{"data.dat", "application/octet-stream", false},
	} {
		if got := isTNEF(mailwiki.Attachment{Filename: c.name, ContentType: c.ct}); got != c.want {
			t.Errorf("isTNEF(%q, %q) = %v, want %v", c.name, c.ct, got, c.want)
		}
	}
}

// FuzzReadTNEF checks that no input makes the reader panic or return more
// bytes than it was given.
func FuzzReadTNEF(f *testing.F) {
	f.Add(newTNEF().file("A.TXT", "a.txt", []byte("abc")).Bytes())
	f.Add(newTNEF().attr(levelMessage, 0x00069003, props(variableProp(prRTFCompressed, ptypBinary, []byte("x")))).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := expandWinmail([]mailwiki.Attachment{tnefAttachment(b)})
		total := 0
		for _, a := range out {
			total += len(a.Data)
		}
		if total > len(b)*defaultWinmailLimits().MaxDepth {
			t.Fatalf("%d bytes out of %d", total, len(b))
		}
	})
}
