package mailparse

import (
	"bytes"
	"testing"
)

func TestParseCalendar(t *testing.T) {
	t.Parallel()
	ics := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Caf\xe9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal := "Content-Type: text/calendar; charset=windows-1252; method=REQUEST\r\n\r\n" + ics
	tests := []struct{ name, raw, kinds, atts string }{
		{"alternative side", multipart("multipart/alternative", "a", "Content-Type: text/plain\r\n\r\nhi",
			"Content-Type: text/html\r\n\r\n<p>hi</p>", cal), "HC", "invite.ics"},
		{"repeated as invite.ics", multipart("multipart/mixed", "m", multipart("multipart/alternative", "a",
			"Content-Type: text/plain\r\n\r\nhi", cal),
			"Content-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\n"+ics),
			"TC", "invite.ics,invite.ics"},
		{"alone", cal, "C", "invite.ics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := parseShape(t, "Subject: s\r\n"+tt.raw, tt.kinds, tt.atts, "")
			for _, a := range msg.Attachments {
				if !bytes.Equal(a.Data, []byte(ics)) {
					t.Errorf("%s: data %q, want the bytes as sent", a.Filename, a.Data)
				}
			}
		})
	}
}
