// Package testmail builds test messages in code for the scanners' tests:
// the EICAR test file and the GTUBE string, MIME entities with a transfer
// encoding, multiparts, attached messages and ZIP archives. Only tests
// import it.
//
// Entities are strings with CRLF line ends: a header, an empty line, a
// body. Boundaries are derived from the content, so nested multiparts
// never share one.
package testmail

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"strings"
	"testing"
)

// GTUBE is the Generic Test for Unsolicited Bulk Email
// (https://spamassassin.apache.org/gtube/).
const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// EICAR returns the 68-byte EICAR anti-virus test file
// (https://www.eicar.org/download-anti-malware-testfile/). It is kept in
// two halves here, so that this source file is no EICAR file itself.
func EICAR() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}` + `$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
}

// Message puts the header fields of a well-formed message (From, To,
// Subject, Date, Message-ID, MIME-Version) before entity, an entity as
// the functions below return.
func Message(subject, entity string) string {
	return "From: Alice Example <alice@example.org>\r\n" +
		"To: Docs <docs@wiki.example.com>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: Mon, 30 Nov 2026 05:00:00 +0000\r\n" +
		"Message-ID: <" + tag(subject, entity) + "@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" + entity
}

// Text is a text/plain entity in UTF-8, 8bit.
func Text(body string) string {
	return "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

// Base64 is an attachment of the given type and file name, base64 encoded
// in lines of 76 characters.
func Base64(contentType, filename string, data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return "Content-Type: " + contentType + "; name=\"" + filename + "\"\r\n" +
		"Content-Disposition: attachment; filename=\"" + filename + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b.String()
}

// QuotedPrintable is an entity of the given type, quoted-printable
// encoded.
func QuotedPrintable(contentType string, data []byte) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write(data)
	_ = w.Close()
	return "Content-Type: " + contentType + "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + b.String() + "\r\n"
}

// Multipart is a multipart/subtype entity of the given parts.
func Multipart(subtype string, parts ...string) string {
	boundary := "=_" + tag(parts...)
	var b strings.Builder
	fmt.Fprintf(&b, "Content-Type: multipart/%s; boundary=\"%s\"\r\n\r\nThis is a multi-part message.\r\n", subtype, boundary)
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p)
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

// Attached is a message/rfc822 entity holding msg.
func Attached(msg string) string {
	return "Content-Type: message/rfc822\r\n\r\n" + msg
}

// File is an entry of a ZIP archive.
type File struct {
	Name   string
	Data   []byte
	Stored bool // not compressed (else deflated)
}

// Zip returns a ZIP archive of files.
func Zip(files ...File) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range files {
		fh := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		if f.Stored {
			fh.Method = zip.Store
		}
		fw, err := w.CreateHeader(fh)
		if err == nil {
			_, err = fw.Write(f.Data)
		}
		if err != nil {
			panic(err) // writing to memory does not fail
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Nested returns data inside depth ZIP archives, one in another, each
// with the single entry name.
func Nested(name string, data []byte, depth int) []byte {
	for range depth {
		data = Zip(File{Name: name, Data: data})
		name = "inner.zip"
	}
	return data
}

// tag is a short hash of s, for boundaries and message ids.
func tag(s ...string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(s, "\x00"))))[:16]
}

// ScannerEnv returns the environment variable name, the address of a real
// scanner that .ci/scanners.sh started. Without it the test is skipped, or
// fails when MAILWIKI_REQUIRE_SCANNERS=1 (as in CI).
func ScannerEnv(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		msg := name + " is not set: run eval \"$(bash .ci/scanners.sh start)\" for real rspamd and clamd"
		if os.Getenv("MAILWIKI_REQUIRE_SCANNERS") == "1" {
			t.Fatal(msg + " (MAILWIKI_REQUIRE_SCANNERS=1)")
		}
		t.Skip(msg)
	}
	return v
}
