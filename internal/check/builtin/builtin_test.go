package builtin_test

import (
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/check/builtin"
	tm "github.com/mailwiki/mailwiki/internal/check/builtin/testmail"
)

var eicar = tm.EICAR()

// qpEICAR is EICAR quoted-printable by hand: "$" as =24 and a soft line
// break in the middle.
var qpEICAR = "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	strings.ReplaceAll(string(eicar[:40]), "$", "=24") + "=\r\n" + strings.ReplaceAll(string(eicar[40:]), "$", "=24") + "\r\n"

func zipPart(data []byte) string { return tm.Base64("application/zip", "files.zip", data) }

func TestScanFindings(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("padding line of text\r\n", 1500) // GTUBE across the 32 KiB window
	cases := []struct {
		name   string
		msg    string
		limits builtin.Limits
		want   builtin.Result
		// uninspected is a part of the sentence wanted in Uninspected.
		uninspected string
	}{
		{name: "clean", msg: tm.Message("notes", tm.Multipart("mixed", tm.Text("The notes."), tm.Base64("application/pdf", "a.pdf", []byte("%PDF-1.4"))))},
		{name: "clean zip", msg: tm.Message("zip", tm.Multipart("mixed", tm.Text("x"), zipPart(tm.Zip(tm.File{Name: "a.txt", Data: []byte("hello")}))))},
		{name: "EICAR in a base64 attachment", msg: tm.Message("file", tm.Multipart("mixed", tm.Text("See."), tm.Base64("application/octet-stream", "eicar.com", eicar))), want: malware},
		{name: "EICAR as the whole body", msg: tm.Message("body", tm.Base64("application/octet-stream", "e.com", eicar)), want: malware},
		{name: "EICAR quoted-printable", msg: tm.Message("qp", tm.Multipart("mixed", tm.Text("See."), qpEICAR)), want: malware},
		{name: "EICAR in a zip", msg: tm.Message("zip", tm.Multipart("mixed", tm.Text("x"), zipPart(tm.Zip(tm.File{Name: "a.txt", Data: []byte("a")}, tm.File{Name: "eicar.com", Data: eicar})))), want: malware},
		{name: "EICAR in a zip 3 deep", msg: tm.Message("zip3", zipPart(tm.Nested("eicar.com", eicar, 3))), want: malware},
		{name: "EICAR in a zip 4 deep is not opened", msg: tm.Message("zip4", zipPart(tm.Nested("eicar.com", eicar, 4))), uninspected: "nested 4 deep"},
		{name: "EICAR in a zip 2 deep, depth limit 1", msg: tm.Message("zip2", zipPart(tm.Nested("eicar.com", eicar, 2))), limits: builtin.Limits{MaxZipDepth: 1}, uninspected: "nested 2 deep"},
		{name: "EICAR in an attached message in an alternative", msg: tm.Message("fwd", tm.Multipart("mixed", tm.Text("Forwarded."),
			tm.Attached(tm.Message("inner", tm.Multipart("alternative", tm.Text("a"), tm.Base64("application/x-msdownload", "e.exe", eicar)))))), want: malware},
		{name: "EICAR in a base64 attached message", msg: tm.Message("fwd64", tm.Base64("message/rfc822", "m.eml", []byte(tm.Message("inner", tm.Base64("application/octet-stream", "e", eicar))))), want: malware},
		{name: "EICAR in a digest (default type message/rfc822)", msg: tm.Message("digest", tm.Multipart("digest", "\r\n"+tm.Message("d1", tm.Base64("application/octet-stream", "e", eicar)))), want: malware},
		{name: "EICAR string inside text is no EICAR file", msg: tm.Message("talk", tm.Text("The test file is "+string(eicar)))},
		{name: "GTUBE", msg: tm.Message("spam", tm.Text("Buy.\r\n"+tm.GTUBE)), want: spam},
		{name: "GTUBE across reads", msg: tm.Message("spam2", tm.Text(big[:32<<10-30]+tm.GTUBE)), want: spam},
		{name: "GTUBE base64 html", msg: tm.Message("spam3", tm.Multipart("alternative", tm.Text("hi"), tm.Base64("text/html", "x.html", []byte("<p>"+tm.GTUBE+"</p>")))), want: spam},
		{name: "GTUBE in a binary part is not spam", msg: tm.Message("bin", tm.Base64("application/octet-stream", "x.bin", []byte(tm.GTUBE)))},
		{name: "zip entries limit", msg: tm.Message("many", zipPart(tm.Zip(tm.File{Name: "1", Data: []byte("1")}, tm.File{Name: "2", Data: []byte("2")}, tm.File{Name: "3", Data: eicar}))),
			limits: builtin.Limits{MaxZipEntries: 2}, uninspected: "more than 2 entries"},
		{name: "zip bomb in a zip", msg: tm.Message("bomb", zipPart(tm.Zip(tm.File{Name: "bomb.zip", Data: tm.Zip(tm.File{Name: "zeros", Data: make([]byte, 3<<20), Stored: true})}))),
			limits: builtin.Limits{MaxPartBytes: 1 << 20}, uninspected: `entry "bomb.zip" is larger than 1048576 bytes`},
		{name: "deflated zeros: only the head is read", msg: tm.Message("zeros", zipPart(tm.Zip(tm.File{Name: "zeros", Data: make([]byte, 8<<20)}, tm.File{Name: "e", Data: eicar}))),
			limits: builtin.Limits{MaxTotalBytes: 1 << 20}, want: malware},
		{name: "archive larger than a part", msg: tm.Message("big", zipPart(tm.Zip(tm.File{Name: "e", Data: eicar}, tm.File{Name: "r", Data: noise(16 << 10)}))),
			limits: builtin.Limits{MaxPartBytes: 4 << 10}, uninspected: "archive is larger than 4096 bytes"},
		{name: "corrupt zip", msg: tm.Message("bad", zipPart([]byte("PK\x03\x04 not a zip at all"))), uninspected: "could not be opened"},
		{name: "total limit", msg: tm.Message("total", tm.Multipart("mixed", tm.Text(big), tm.Base64("application/octet-stream", "e", eicar))),
			limits: builtin.Limits{MaxTotalBytes: 8 << 10}, uninspected: "larger than 8192 bytes"},
		{name: "nesting limit", msg: tm.Message("deep", tm.Multipart("mixed", tm.Multipart("mixed", tm.Multipart("mixed", tm.Base64("application/octet-stream", "e", eicar))))),
			limits: builtin.Limits{MaxNesting: 2}, uninspected: "nested more than 2 deep"},
		{name: "unterminated multipart", msg: unterminated(tm.Message("cut", tm.Multipart("mixed", tm.Base64("application/octet-stream", "e", eicar), tm.Text("x")))),
			want: malware, uninspected: "text/plain part could not be decoded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := builtin.Scan(strings.NewReader(tc.msg), tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.Uninspected, tc.uninspected) || (tc.uninspected == "") != (got.Uninspected == "") {
				t.Errorf("Uninspected %q, want one with %q", got.Uninspected, tc.uninspected)
			}
			got.Uninspected = ""
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// noise is n bytes that do not compress.
func noise(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// unterminated is msg without its last line, the closing boundary.
func unterminated(msg string) string {
	msg = strings.TrimSuffix(msg, "\r\n")
	return msg[:strings.LastIndex(msg, "\r\n")+2]
}

var (
	malware = builtin.Result{Malware: builtin.EICAR}
	spam    = builtin.Result{Spam: builtin.GTUBE}
)

func TestHeaderProblems(t *testing.T) {
	t.Parallel()
	const from, body = "From: a@example.org\r\n", "\r\nbody\r\n"
	cases := map[string]struct{ header, want string }{
		"well-formed":               {from + "To: b@example.org\r\nSubject: hi\r\nReceived: x\r\nReceived: y\r\n", ""},
		"folded and obsolete colon": {from + "Subject : a long\r\n  folded subject\r\nX-Empty:\r\n", ""},
		"LF line ends":              {"From: a@example.org\nSubject: hi\n", ""},
		"no From":                   {"To: b@example.org\r\n", "no From field: RFC 5322 section 3.6"},
		"two From":                  {from + "from: c@example.org\r\n", "2 From fields: RFC 5322 section 3.6 allows at most one"},
		"two Subject":               {from + "Subject: a\r\nSUBJECT: b\r\n", "2 Subject fields"},
		"three Message-ID":          {from + "Message-ID: <1@x>\r\nMessage-Id: <2@x>\r\nmessage-id: <3@x>\r\n", "3 Message-ID fields"},
		"two Date":                  {from + "Date: Mon, 30 Nov 2026 05:00:00 +0000\r\nDate: Mon, 30 Nov 2026 05:00:01 +0000\r\n", "2 Date fields"},
		"two References":            {from + "References: <a@x>\r\nReferences: <b@x>\r\n", "2 References fields"},
		"line without colon":        {from + "Subject: hi\r\nthis is no field\r\n", "Line 3 of the header is not a header field: RFC 5322 section 2.2"},
		"space in the name":         {from + "Bad Name: x\r\n", "Line 2 of the header is not a header field"},
		"continuation first":        {" folded: first\r\n" + from, "Line 1 of the header"},
		"NUL":                       {from + "Subject: a\x00b\r\n", "NUL byte: RFC 5322"},
		"mbox From line":            {"From alice@example.org Mon Nov 30 05:00:00 2026\r\n" + from, "Line 1 of the header"},
		"empty From":                {"From: \r\nTo: b@example.org\r\n", "The From field is empty"},
		"two authors, no Sender":    {"From: a@example.org, b@example.net\r\n", "several authors but there is no Sender"},
		"two authors with Sender":   {"From: a@example.org, b@example.net\r\nSender: a@example.org\r\n", ""},
		"From that does not parse":  {"From: =?x-unknown?Q?A?= <a@example.org\r\n", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := builtin.Scan(strings.NewReader(tc.header+body), builtin.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.HeaderProblem, tc.want) || (tc.want == "") != (got.HeaderProblem == "") {
				t.Errorf("HeaderProblem %q, want one with %q", got.HeaderProblem, tc.want)
			}
		})
	}
}

// failing fails after its data.
type failing struct{ r io.Reader }

func (f failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, errors.New("disk gone")
	}
	return n, err
}

func TestReadErrorIsAnError(t *testing.T) {
	t.Parallel()
	msg := tm.Message("x", tm.Multipart("mixed", tm.Text("a"), tm.Text("b")))
	for _, cut := range []int{10, len(msg) / 2, len(msg) - 5} {
		if _, err := builtin.Scan(failing{strings.NewReader(msg[:cut])}, builtin.Limits{}); err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Errorf("cut at %d: error %v, want the reader's", cut, err)
		}
	}
}

// repeat streams line n times without holding them.
type repeat struct {
	line string
	n    int
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 && r.n > 0 {
		c := copy(p, r.line[r.off:])
		p, total, r.off = p[c:], total+c, r.off+c
		if r.off == len(r.line) {
			r.off, r.n = 0, r.n-1
		}
	}
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

// A 30 MB message is read as a stream: its parts are not held in memory.
func TestLargeMessageStreams(t *testing.T) {
	const lines = 400_000 // 76 characters: about 30 MB
	head := tm.Message("large", "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"+
		"Content-Type: text/plain\r\n\r\n")
	msg := io.MultiReader(strings.NewReader(head), &repeat{line: strings.Repeat("z", 74) + "\r\n", n: lines},
		strings.NewReader("--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
		&repeat{line: strings.Repeat("A", 76) + "\r\n", n: lines},
		strings.NewReader("--B\r\nContent-Type: text/plain\r\n\r\n"+tm.GTUBE+"\r\n--B--\r\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := builtin.Scan(msg, builtin.Limits{})
	runtime.ReadMemStats(&after)
	if err != nil || got != spam {
		t.Fatalf("got %+v, %v; want %+v", got, err, spam)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for a 60 MB message, want a stream", alloc)
	}
}

// TestManyFoldedLinesCostLinearly: a header of 100,000 continuation lines
// (under the 1 MB header bound) is read with allocations in proportion to
// its size. Appending to the field's value line by line made them grow
// with the square of the line count (about 2 GB here), a CPU and memory
// attack from any client.
func TestManyFoldedLinesCostLinearly(t *testing.T) {
	msg := "From: a@example.org\r\nSubject: x" + strings.Repeat("\r\n z", 100_000) + "\r\n\r\nbody\r\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := builtin.Scan(strings.NewReader(msg), builtin.Limits{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64*uint64(len(msg)) {
		t.Fatalf("reading a %d-byte header allocated %d bytes: not linear", len(msg), alloc)
	}
}

// TestUninspectedQuotesNoContent: Result.Uninspected is logged, so a part
// whose header cannot be read is named by position and kind, never by the
// offending line (Go's multipart reader quotes it in its error).
func TestUninspectedQuotesNoContent(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\nsalary-cuts-marker no colon here\r\n\r\nx\r\n--b--\r\n"
	got, err := builtin.Scan(strings.NewReader(raw), builtin.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Uninspected == "" || strings.Contains(got.Uninspected, "salary") {
		t.Fatalf("Uninspected %q: want a sentence without the header line", got.Uninspected)
	}
}
