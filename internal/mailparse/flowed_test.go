package mailparse

import (
	"strings"
	"testing"
)

func TestUnflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		delsp bool
		want  string
	}{
		{"fixed lines unchanged", "one\r\ntwo\r\n", false, "one\r\ntwo\r\n"},
		{"soft break keeps its space", "a long \r\nline\r\n", false, "a long line\r\n"},
		{"delsp removes the space", "a long \r\nline\r\n", true, "a longline\r\n"},
		{"delsp keeps a second space", "word  \r\nnext\r\n", true, "word next\r\n"},
		{"paragraphs", "p one \r\ncont\r\n\r\np two\r\n", false, "p one cont\r\n\r\np two\r\n"},
		{"LF input", "a \nb\n", false, "a b\n"},
		{"URL cut by delsp", "see https://x.example/rooms/quart \r\nerly-review?a=1&b=2 now\r\n", true,
			"see https://x.example/rooms/quarterly-review?a=1&b=2 now\r\n"},
		{"URL alone on its line without delsp", "see \r\nhttps://x.example/a/very/long/path \r\nnow\r\n", false,
			"see https://x.example/a/very/long/path now\r\n"},
		{"CJK with delsp", "来週の会議は第二 \r\n会議室で行います。\r\n", true, "来週の会議は第二会議室で行います。\r\n"},
		{"space-stuffed", " From here \r\n >not a quote\r\n", false, "From here >not a quote\r\n"},
		{"quoted flowed", "> quoted \r\n> text\r\nreply\r\n", false, "> quoted text\r\nreply\r\n"},
		{"quote depths kept apart", ">> deep \r\n> shallow\r\n", false, ">> deep \r\n> shallow\r\n"},
		{"quote canonical form", ">>x \r\n>> y\r\n", false, ">> x y\r\n"},
		{"quoted and stuffed", ">  two spaces\r\n", false, ">  two spaces\r\n"},
		{"signature separator kept", "text \r\n-- \r\nName\r\n", false, "text \r\n-- \r\nName\r\n"},
		{"quoted signature separator", "> -- \r\n> Name\r\n", true, "> -- \r\n> Name\r\n"},
		{"fixed and flowed mixed", "fixed\r\nflow \r\ning\r\nfixed again\r\n", true, "fixed\r\nflowing\r\nfixed again\r\n"},
		{"soft break at the end", "last \r\n", true, "last\r\n"},
		{"no final newline", "a \r\nb", false, "a b\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(unflow([]byte(tt.in), tt.delsp)); got != tt.want {
				t.Errorf("unflow(%q, delsp=%v)\n got %q\nwant %q", tt.in, tt.delsp, got, tt.want)
			}
		})
	}
}

// TestParseFlowed: every text/plain body part that declares format=flowed
// is unwrapped, in any position and with the parameters in any case; other
// parts and named parts (attachments, byte-exact) keep their bytes.
func TestParseFlowed(t *testing.T) {
	t.Parallel()
	const head = "From: a@example.org\r\nTo: w@example.net\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
	tests := []struct {
		name, raw string
		want      []string // in msg.Text
		not       []string
	}{
		{"single part delsp", head + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\nhttps://x.example/quart \r\nerly\r\n",
			[]string{"https://x.example/quarterly"}, nil},
		{"upper case parameters", head + "Content-Type: text/plain; Format=\"Flowed\"; DelSp=Yes\r\n\r\nab \r\ncd\r\n",
			[]string{"abcd"}, nil},
		{"fixed text untouched", head + "Content-Type: text/plain; charset=utf-8\r\n\r\nab \r\ncd\r\n",
			[]string{"ab \r\ncd"}, nil},
		{"quoted-printable flowed", head + "Content-Type: text/plain; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nsoft =\r\nbreak =\r\nhere\r\n",
			[]string{"soft break here"}, nil},
		{"every part of a mixed message", head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: text/plain; format=flowed\r\n\r\nfirst \r\npart\r\n--b\r\n" +
			"Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\nsec \r\nond\r\n--b\r\n" +
			"Content-Type: text/plain; format=flowed; name=a.txt\r\nContent-Disposition: inline; filename=a.txt\r\n\r\nkept \r\nas is\r\n--b--\r\n",
			[]string{"first part", "second"}, nil},
		{"alternative", head + "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: text/plain; format=flowed\r\n\r\n> quoted \r\n> line\r\n--b\r\n" +
			"Content-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n",
			[]string{"> quoted line"}, []string{"quoted \r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg.Text, w) {
					t.Errorf("Text %q: want %q", msg.Text, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(msg.Text, w) {
					t.Errorf("Text %q: want no %q", msg.Text, w)
				}
			}
		})
	}
}

// TestParseFlowedAttachmentBytes: a named flowed text part keeps its bytes.
func TestParseFlowedAttachmentBytes(t *testing.T) {
	t.Parallel()
	raw := "From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain\r\n\r\nbody\r\n--b\r\n" +
		"Content-Type: text/plain; format=flowed; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nkept \r\nas is\r\n--b--\r\n"
	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Attachments) != 1 || !strings.Contains(string(msg.Attachments[0].Data), "kept \r\nas is") {
		t.Errorf("attachments %+v, want notes.txt with its soft break", msg.Attachments)
	}
}

// FuzzUnflow: unflow never loses or reorders a character other than
// spaces and quote marks, and leaves fixed text (no trailing space, no
// leading '>' or space) as it is.
func FuzzUnflow(f *testing.F) {
	f.Add("a \r\nb\r\n", true)
	f.Add(">> q \r\n> r\r\n-- \r\n", false)
	f.Add(" stuffed \n\nhttps://x.example/a \nb", true)
	f.Fuzz(func(t *testing.T, in string, delsp bool) {
		out := string(unflow([]byte(in), delsp))
		if a, b := significant(in), significant(out); a != b {
			t.Fatalf("unflow(%q) = %q: characters %q became %q", in, out, a, b)
		}
		if fixed(in) {
			norm := strings.ReplaceAll(in, "\r\n", "\n")
			if got := strings.ReplaceAll(out, "\r\n", "\n"); strings.TrimSuffix(got, "\n") != strings.TrimSuffix(norm, "\n") {
				t.Fatalf("fixed text %q changed to %q", in, out)
			}
		}
	})
}

// significant returns the bytes of s but spaces, line breaks and quote
// marks (bytes: joined lines may join the halves of invalid UTF-8).
func significant(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\r' && c != '\n' && c != '>' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// fixed reports whether no line of s is flowed, quoted or space-stuffed.
func fixed(s string) bool {
	if strings.Contains(s, "\r") && strings.Count(s, "\r") != strings.Count(s, "\r\n") {
		return false
	}
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.HasSuffix(l, " ") || strings.HasPrefix(l, ">") || strings.HasPrefix(l, " ") {
			return false
		}
	}
	return true
}
