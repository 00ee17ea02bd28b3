package ical

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	src := strings.Join([]string{
		"BEGIN:VCALENDAR", "METHOD:request",
		"BEGIN:VTIMEZONE", "TZID:X", "BEGIN:STANDARD", "DTSTART:19701025T030000", "END:STANDARD", "END:VTIMEZONE",
		"BEGIN:VEVENT", `SUMMARY:a\, b\; c\\d\nline two`, "DTSTART;TZID=\"America/New_York\":20261203T1000",
		" 00", "DTEND:20261203T160000Z", `ORGANIZER;CN="Doe, J: (chair)":MAILTO:j@example.org`,
		"BEGIN:VALARM", "SUMMARY:alarm", "END:VALARM", "SUMMARY:second summary ignored",
		"END:VEVENT", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261224", "END:VEVENT", "END:VCALENDAR",
	}, "\r\n")
	cal, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cal.Method != "REQUEST" || len(cal.Events) != 2 {
		t.Fatalf("method %q, %d events", cal.Method, len(cal.Events))
	}
	ev := cal.Events[0]
	if want := "a, b; c\\d\nline two"; ev.Summary != want {
		t.Errorf("summary %q, want %q", ev.Summary, want)
	}
	if ev.Organizer != "Doe, J: (chair) <j@example.org>" {
		t.Errorf("organizer %q", ev.Organizer)
	}
	if ev.Start.Value != "20261203T100000" || ev.Start.Zone() != "America/New_York" || ev.End.Zone() != "UTC" {
		t.Errorf("start %+v (zone %q), end %+v", ev.Start, ev.Start.Zone(), ev.End)
	}
	if w, ok := ev.End.Wall(); !ok || w.Hour() != 16 {
		t.Errorf("end wall %v %v", w, ok)
	}
	if d := cal.Events[1].Start; !d.IsDate() || d.Zone() != "" {
		t.Errorf("all-day start %+v", d)
	}
}

func TestParseNotCalendar(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "hello", "BEGIN:VCARD\r\nEND:VCARD", "\x00\xff:"} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\\\r\n  y\r\nDTSTART:2026\r\nEND:VEVENT\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cal, err := Parse(b)
		if err == nil {
			for _, ev := range cal.Events {
				_, _ = ev.Start.Wall()
				_ = ev.End.Zone()
			}
		}
	})
}
