package mailparse

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// crlf turns a readable test message into wire form.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func TestParseHeaders(t *testing.T) {
	t.Parallel()
	raw := crlf(`From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.org>
To: Bob <bob@example.com>, carol@example.com
Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus
 =?UTF-8?B?8J+Ni0Jlcmxpbg==?=
Date: Thu, 26 Nov 2026 14:05:00 +0100
Message-ID: <abc.123@example.org>
In-Reply-To: <parent@example.org> (sent by Bob)
References: <root@example.org>
 <parent@example.org>
Content-Type: text/plain; charset=utf-8

Hello
`)
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := mailwiki.Message{
		Subject:     "Grüße aus 🍋Berlin",
		From:        "Zoë Müller <zoe@example.org>",
		FromAddress: "zoe@example.org",
		To:          []string{"Bob <bob@example.com>", "carol@example.com"},
		MessageID:   "abc.123@example.org",
		InReplyTo:   "parent@example.org",
		References:  []string{"root@example.org", "parent@example.org"},
		Text:        "Hello\r\n",
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Subject", msg.Subject, want.Subject},
		{"From", msg.From, want.From},
		{"FromAddress", msg.FromAddress, want.FromAddress},
		{"To", strings.Join(msg.To, "|"), strings.Join(want.To, "|")},
		{"MessageID", msg.MessageID, want.MessageID},
		{"InReplyTo", msg.InReplyTo, want.InReplyTo},
		{"References", strings.Join(msg.References, "|"), strings.Join(want.References, "|")},
		{"Text", msg.Text, want.Text},
		{"HTML", msg.HTML, ""},
		{"Automatic", msg.Automatic, false},
		{"Date", msg.Date.UTC().Format(time.RFC3339), "2026-11-26T13:05:00Z"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestIDList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"one", "<a@b>", []string{"a@b"}},
		{"folded", "<a@b>\r\n <c@d>\t<e@f>", []string{"a@b", "c@d", "e@f"}},
		{"comment", "<a@b> (Bob's message of Tuesday)", []string{"a@b"}},
		{"phrase before", "Your message of Tue <a@b>", []string{"a@b"}},
		{"no brackets", "a@b c@d", []string{"a@b", "c@d"}},
		{"unclosed", "<a@b", nil},
		{"empty brackets", "<> <x@y>", []string{"x@y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := idList(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("idList(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBadDate(t *testing.T) {
	t.Parallel()
	msg, err := Parse(crlf("From: a@example.org\nDate: yesterday-ish\nSubject: s\n\nbody\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !msg.Date.IsZero() {
		t.Errorf("Date = %v, want zero", msg.Date)
	}
	if !slices.Contains(msg.Warnings, "Date header cannot be parsed") {
		t.Errorf("Warnings = %q, want a date warning", msg.Warnings)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
	}{
		{"empty", ""},
		{"white space", " \r\n\r\n\t"},
		{"not an email", " This is a text file, not an email.\r\nSecret: do not log\r\n"},
		{"header run into body", " From: a@example.org\r\nSubject: x\r\n\r\nbody"},
		{"binary", "\x00\x01\x02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse([]byte(tt.raw))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want error", msg)
			}
			if mailwiki.ErrorCode(err) != mailwiki.EINVALID || mailwiki.IsTemporary(err) {
				t.Errorf("error %v: code %q temporary %v, want permanent %q",
					err, mailwiki.ErrorCode(err), mailwiki.IsTemporary(err), mailwiki.EINVALID)
			}
			if strings.Contains(err.Error(), "Secret") || strings.Contains(err.Error(), "From:") {
				t.Errorf("error %q quotes message content", err)
			}
		})
	}
}

func TestParseUnreadableIs(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(" not a header\r\n\r\nbody"))
	if !errors.Is(err, ErrUnreadable) {
		t.Errorf("err = %v, want ErrUnreadable in chain", err)
	}
}

func TestWarningsAreSafe(t *testing.T) {
	t.Parallel()
	raw := crlf(`Subject: w
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain; charset=x-secret-charset
Content-Transfer-Encoding: x-secret-encoding

secret body
--m
Content-Type: image/png; name="p.png"
Content-Transfer-Encoding: base64

!!secret!!
--m--
`)
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(msg.Warnings) == 0 {
		t.Fatal("no warnings for an unknown encoding")
	}
	for _, w := range msg.Warnings {
		if strings.Contains(strings.ToLower(w), "secret") {
			t.Errorf("warning %q quotes message content", w)
		}
	}
	if !strings.Contains(msg.Text, "secret body") {
		t.Errorf("Text = %q, want the undecoded body kept", msg.Text)
	}
}

func TestParseHeaderlessText(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"This is a note, not an email.\r\n\r\nSecond line.\r\n", "// Not an RFC-822 Document\n"} {
		if _, err := Parse([]byte(raw)); !errors.Is(err, ErrUnreadable) {
			t.Errorf("Parse(%q) error = %v, want ErrUnreadable", raw, err)
		}
	}
}
