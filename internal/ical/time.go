package ical

import "time"

// Layouts of DATE and DATE-TIME values (RFC 5545 section 3.3.4, 3.3.5).
const (
	dateLayout     = "20060102"
	dateTimeLayout = "20060102T150405"
)

// IsDate reports a DATE value: an all-day event.
func (t Time) IsDate() bool { return len(t.Value) == len(dateLayout) }

// IsUTC reports a DATE-TIME in UTC ("Z").
func (t Time) IsUTC() bool {
	return len(t.Value) == len(dateTimeLayout)+1 && t.Value[len(t.Value)-1] == 'Z'
}

// Wall returns the date and time as written (in time.UTC, whatever the
// zone: it is the clock reading), and false when the value is not a DATE
// or DATE-TIME.
func (t Time) Wall() (time.Time, bool) {
	layout, v := dateTimeLayout, t.Value
	switch {
	case t.IsDate():
		layout = dateLayout
	case t.IsUTC():
		v = v[:len(v)-1]
	}
	w, err := time.Parse(layout, v)
	return w, err == nil
}

// Zone names the time zone of a DATE-TIME: its TZID, "UTC", or "" for a
// floating time or a date.
func (t Time) Zone() string {
	switch {
	case t.IsDate():
		return ""
	case t.IsUTC():
		return "UTC"
	}
	return t.TZID
}
