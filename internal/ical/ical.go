// Package ical reads what a page shows of an iCalendar object (RFC 5545):
// the method and, per event, its summary, start, end, location, organiser,
// status and recurrence rule. It is a subset parser: content lines are
// unfolded (section 3.1), parameters read with their quoting (3.2), text
// values unescaped (3.3.11); components other than VEVENT, and the
// components inside an event (VALARM), are skipped. Times are kept as
// written, with their TZID: no time zone database is consulted. Time and
// memory are linear in the input; it never fails on content, only on input
// that is not iCalendar at all.
package ical

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrNotCalendar is returned for input without a VCALENDAR.
var ErrNotCalendar = errors.New("ical: no VCALENDAR object")

// Calendar is the part of an iCalendar object a page shows.
type Calendar struct {
	Method string // REQUEST, CANCEL, REPLY, PUBLISH… (upper case); "" if none
	Events []Event
}

// Event is one VEVENT.
type Event struct {
	Summary, Location, Organizer, Status, RRule string
	Start, End                                  Time
}

// Time is a DATE or DATE-TIME value as written (section 3.3.4, 3.3.5).
type Time struct {
	Value string // "20261203T100000", "20261203T090000Z" or "20261224"
	TZID  string // the TZID parameter; "" for UTC, floating or a date
}

// Parse reads an iCalendar object. Invalid UTF-8 is replaced.
func Parse(data []byte) (*Calendar, error) {
	text := strings.ToValidUTF8(string(data), string(utf8.RuneError))
	cal := &Calendar{}
	var stack []string
	var ev *Event
	found := false
	for _, line := range unfold(text) {
		l := parseLine(line)
		switch l.name {
		case "BEGIN":
			stack = append(stack, strings.ToUpper(l.value))
			found = found || strings.EqualFold(l.value, "VCALENDAR")
			if path(stack) == "VCALENDAR/VEVENT" {
				cal.Events = append(cal.Events, Event{})
				ev = &cal.Events[len(cal.Events)-1]
			}
			continue
		case "END":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		switch path(stack) {
		case "VCALENDAR":
			if l.name == "METHOD" {
				cal.Method = strings.ToUpper(strings.TrimSpace(l.value))
			}
		case "VCALENDAR/VEVENT":
			ev.set(l)
		}
	}
	if !found {
		return nil, ErrNotCalendar
	}
	return cal, nil
}

// path names the component open at the top of stack with its parent.
func path(stack []string) string {
	if len(stack) > 2 {
		return "deeper"
	}
	return strings.Join(stack, "/")
}

// set records a property of an event; the first of each wins.
func (e *Event) set(l line) {
	setOnce := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	switch l.name {
	case "SUMMARY":
		setOnce(&e.Summary, unescape(l.value))
	case "LOCATION":
		setOnce(&e.Location, unescape(l.value))
	case "STATUS":
		setOnce(&e.Status, strings.ToUpper(strings.TrimSpace(l.value)))
	case "RRULE":
		setOnce(&e.RRule, strings.TrimSpace(l.value))
	case "ORGANIZER":
		setOnce(&e.Organizer, organizer(l))
	case "DTSTART":
		if e.Start.Value == "" {
			e.Start = Time{Value: strings.TrimSpace(l.value), TZID: l.params["TZID"]}
		}
	case "DTEND":
		if e.End.Value == "" {
			e.End = Time{Value: strings.TrimSpace(l.value), TZID: l.params["TZID"]}
		}
	}
}

// organizer formats an ORGANIZER: "CN <address>" from its CN parameter
// and its mailto: value.
func organizer(l line) string {
	addr := strings.TrimSpace(l.value)
	if len(addr) >= 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	cn := strings.TrimSpace(l.params["CN"])
	switch {
	case cn == "":
		return addr
	case addr == "" || strings.EqualFold(cn, addr):
		return cn
	}
	return cn + " <" + addr + ">"
}

// unfold splits text into content lines, joining each line that starts
// with a space or a tab to the one before without that character.
func unfold(text string) []string {
	var out []string
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if (strings.HasPrefix(raw, " ") || strings.HasPrefix(raw, "\t")) && len(out) > 0 {
			out[len(out)-1] += raw[1:]
			continue
		}
		if raw != "" {
			out = append(out, raw)
		}
	}
	return out
}

// line is one content line: name (upper case), parameters (names upper
// case, values unquoted, the first of each) and value.
type line struct {
	name   string
	params map[string]string
	value  string
}

// parseLine splits "NAME;P=V;Q="v:w":value" at the first colon outside
// quotes.
func parseLine(s string) line {
	colon, quoted := -1, false
	for i := 0; i < len(s) && colon < 0; i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				colon = i
			}
		}
	}
	if colon < 0 {
		return line{name: strings.ToUpper(s)}
	}
	head := splitParams(s[:colon])
	l := line{name: strings.ToUpper(strings.TrimSpace(head[0])), value: s[colon+1:], params: map[string]string{}}
	for _, p := range head[1:] {
		k, v, _ := strings.Cut(p, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		if _, dup := l.params[k]; !dup {
			l.params[k] = strings.Trim(v, `"`)
		}
	}
	return l
}

// splitParams splits the part before the value at semicolons outside
// quotes.
func splitParams(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out, start = append(out, s[start:i]), i+1
			}
		}
	}
	return append(out, s[start:])
}

// unescape reads a TEXT value: \n or \N is a line break, \\ \; \, the
// character itself.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
