package mailparse

import (
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestEMLName(t *testing.T) {
	t.Parallel()
	for subject, want := range map[string]string{
		"Re: Budget":             "Re Budget.eml",
		"":                       "forwarded message.eml",
		"../../etc/passwd":       "etc passwd.eml",
		"a\u200bb\x00c  <d>?":    "ab c d.eml",
		strings.Repeat("é", 300): strings.Repeat("é", maxEMLNameRunes) + ".eml",
	} {
		if got := emlName(subject); got != want {
			t.Errorf("emlName(%q) = %q, want %q", subject, got, want)
		}
	}
}

func TestParseForwarded(t *testing.T) {
	t.Parallel()
	inner := "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nFrom: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhallo\r\n"
	global := multipart("multipart/mixed", "m", "Content-Type: text/plain\r\n\r\nsee below",
		"Content-Type: message/global\r\n\r\n"+inner)
	eml := multipart("multipart/mixed", "m", "Content-Type: application/octet-stream; name=old.eml\r\n\r\n"+inner)
	garbage := multipart("multipart/mixed", "m", "Content-Type: text/plain\r\n\r\nx", "Content-Type: message/rfc822\r\n\r\n\x00\x01 not a header")
	tests := []struct {
		name, raw, kinds, atts, warning string
	}{
		{"message/global", "Subject: s\r\n" + global, "TM", "Grüße.eml", ""},
		{"eml as octet-stream keeps its name", "Subject: s\r\n" + eml, "M", "old.eml", ""},
		{"unreadable", "Subject: s\r\n" + garbage, "T", "forwarded message.eml", "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := parseShape(t, tt.raw, tt.kinds, tt.atts, tt.warning)
			for _, bp := range msg.Body {
				if bp.Kind == mailwiki.BodyMessage && (bp.Message == nil || !strings.Contains(bp.Message.Text, "hallo")) {
					t.Errorf("forwarded message not parsed: %+v", bp.Message)
				}
			}
		})
	}
}
