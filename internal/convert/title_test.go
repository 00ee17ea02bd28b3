package convert

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailwiki/mailwiki"
)

func TestPageTitle(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	received := time.Date(2026, 11, 26, 13, 5, 0, 0, time.UTC)
	long := strings.Repeat("é", 300)
	tests := []struct {
		name string
		msg  mailwiki.Message
		opts Options
		want string
	}{
		{"subject", mailwiki.Message{Subject: "Hello"}, Options{}, "Hello"},
		{"white space collapsed", mailwiki.Message{Subject: "  a \t b\r\n c  "}, Options{}, "a b c"},
		{"control characters removed", mailwiki.Message{Subject: "a\x00b\x1bc\u200bd"}, Options{}, "abcd"},
		{"long subject trimmed by runes", mailwiki.Message{Subject: long}, Options{}, strings.Repeat("é", 255)},
		{"empty uses name and received in location", mailwiki.Message{From: "Alice <a@x.org>", Date: received.Add(-time.Hour)},
			Options{Received: received, Location: berlin}, "Email from Alice on 2026-11-26 14:05"},
		{"empty falls back to Date in UTC", mailwiki.Message{FromAddress: "a@x.org", From: "a@x.org", Date: received},
			Options{}, "Email from a@x.org on 2026-11-26 13:05"},
		{"space-only subject, no dates", mailwiki.Message{Subject: " \t "}, Options{}, "Email from unknown sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pageTitle(&tt.msg, tt.opts); got != tt.want {
				t.Errorf("pageTitle = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTitleWithSuffix(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	tests := []struct {
		name  string
		title string
		n     int
		want  string
	}{
		{"date only", "Notes", 0, "Notes (2026-11-26 14:05)"},
		{"counter", "Notes", 2, "Notes (2026-11-26 14:05) #2"},
		{"long title shortened", strings.Repeat("x", 255), 0, strings.Repeat("x", 255-19) + " (2026-11-26 14:05)"},
		{"long title with counter", strings.Repeat("語", 300), 12, strings.Repeat("語", 255-23) + " (2026-11-26 14:05) #12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := TitleWithSuffix(tt.title, at, tt.n)
			if got != tt.want {
				t.Errorf("TitleWithSuffix = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxTitleRunes {
				t.Errorf("length %d > %d", n, MaxTitleRunes)
			}
		})
	}
}

func TestFormatTitle(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	msg := &mailwiki.Message{From: "Ann Lee <ann@example.org>"}
	for _, c := range []struct{ format, want string }{
		{"", "Q3 plan"},
		{"{subject}", "Q3 plan"},
		{"{date} {subject}", "2026-11-30 Q3 plan"},
		{"Minutes: {subject} ({sender})", "Minutes: Q3 plan (Ann Lee)"},
		{"   ", "Q3 plan"},
		{"{subject}" + strings.Repeat("x", 300), "Q3 plan" + strings.Repeat("x", MaxTitleRunes-len("Q3 plan"))},
	} {
		if got := FormatTitle(c.format, "Q3 plan", when, msg); got != c.want {
			t.Errorf("FormatTitle(%q) = %q, want %q", c.format, got, c.want)
		}
	}
}
