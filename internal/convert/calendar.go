package convert

import (
	"fmt"
	"strings"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/ical"
)

// Layouts of the times of a calendar summary: the clock reading as the
// calendar writes it, followed by its zone.
const (
	calendarDay  = "Mon, 2 Jan 2006"
	calendarTime = "Mon, 2 Jan 2006 15:04"
)

// calendarTitles names a calendar by its METHOD (RFC 5546).
var calendarTitles = map[string]string{
	"REQUEST": "Meeting invitation",
	"CANCEL":  "Meeting cancelled",
	"REPLY":   "Reply to a meeting invitation",
	"COUNTER": "Counter-proposal for a meeting",
}

// calendarBlock summarises a calendar (a BodyCalendar): a line naming it
// by its method with a link to the .ics (attached as sent), then the
// first event's title, time with its zone, place, organiser and
// recurrence. A calendar that cannot be read is only linked, with a
// warning; one with several events has the first summarised, with a
// warning.
func calendarBlock(p mailwiki.BodyPart, files *fileSet) (string, []string) {
	i := files.fileOf(p.Attachment)
	if i < 0 {
		return "", nil
	}
	cal, err := ical.Parse(files.files[i].Data)
	var b strings.Builder
	b.WriteString("<p><strong>")
	switch {
	case err != nil || len(cal.Events) == 0:
		b.WriteString("Calendar</strong>")
		linkFile(&b, files, p.Attachment, " (", ")</p>\n")
		return b.String(), []string{"calendar (.ics) has no event that can be read: attached, not summarised"}
	case calendarTitles[cal.Method] != "":
		b.WriteString(calendarTitles[cal.Method])
	default:
		b.WriteString("Calendar event")
	}
	b.WriteString("</strong>")
	linkFile(&b, files, p.Attachment, " (", ")")
	b.WriteString("</p>\n")
	ev := cal.Events[0]
	status := ""
	if ev.Status == "CANCELLED" {
		status = "cancelled"
	}
	writeSummary(&b, []summaryRow{
		{"Title", ev.Summary},
		{"When", when(ev)},
		{"Where", ev.Location},
		{"Organiser", ev.Organizer},
		{"Status", status},
		{"Repeats", ev.RRule},
	})
	var warnings []string
	if n := len(cal.Events); n > 1 {
		warnings = append(warnings, fmt.Sprintf("calendar (.ics) holds %d events: the first is summarised", n))
	}
	return b.String(), warnings
}

// when formats an event's start and end with the zone they are written
// in (no conversion): "Thu, 3 Dec 2026 10:00 – 11:00 (Europe/Berlin)",
// "Thu, 24 Dec 2026 (all day)". A value that is not a date is shown as
// written.
func when(ev ical.Event) string {
	start, ok := ev.Start.Wall()
	if !ok {
		return ev.Start.Value
	}
	end, hasEnd := ev.End.Wall()
	if ev.Start.IsDate() {
		s := start.Format(calendarDay)
		if hasEnd && ev.End.IsDate() && end.After(start.AddDate(0, 0, 1)) {
			s += " – " + end.AddDate(0, 0, -1).Format(calendarDay) // DTEND of a date is exclusive
		}
		return s + " (all day)"
	}
	s := start.Format(calendarTime)
	zone := zoneName(ev.Start)
	switch {
	case !hasEnd || ev.End.IsDate():
	case zoneName(ev.End) != zone:
		s += " (" + zone + ") – " + end.Format(calendarTime)
		zone = zoneName(ev.End)
	case end.YearDay() == start.YearDay() && end.Year() == start.Year():
		s += " – " + end.Format("15:04")
	default:
		s += " – " + end.Format(calendarTime)
	}
	return s + " (" + zone + ")"
}

// zoneName names the zone of a date-time for people.
func zoneName(t ical.Time) string {
	if z := t.Zone(); z != "" {
		return z
	}
	return "floating time"
}
