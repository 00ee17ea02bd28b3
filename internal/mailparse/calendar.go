package mailparse

import (
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// Calendar invitations: a text/calendar part (RFC 6047), also as a side of
// a multipart/alternative, or an .ics file, is a BodyCalendar, which the
// page summarises above the file, attached as sent. Invitations often
// carry the same calendar twice (Gmail: a text/calendar alternative and
// invite.ics); only the first is summarised, the other stays attached.

// isCalendar reports a part that holds an iCalendar object.
func isCalendar(p *enmime.Part) bool {
	if p.FirstChild != nil || len(p.Content) == 0 {
		return false
	}
	switch p.ContentType {
	case "text/calendar", "application/ics":
		return true
	}
	return strings.HasSuffix(strings.ToLower(p.FileName), ".ics")
}

// calendarsOf returns the calendars of the subtree p.
func calendarsOf(p *enmime.Part) []shownPart {
	var out []shownPart
	for _, c := range appendMatches(nil, p, isCalendar) {
		out = append(out, shownPart{c, mailwiki.BodyCalendar})
	}
	return out
}

// repeatedCalendars returns body without the calendars whose bytes an
// earlier calendar of body has: their file stays attached.
func repeatedCalendars(atts []mailwiki.Attachment, body []mailwiki.BodyPart) []mailwiki.BodyPart {
	var seen []int
	out := body[:0]
outer:
	for _, bp := range body {
		if bp.Kind == mailwiki.BodyCalendar {
			for _, k := range seen {
				if sameBytes(atts[k].Data, atts[bp.Attachment].Data) {
					continue outer
				}
			}
			seen = append(seen, bp.Attachment)
		}
		out = append(out, bp)
	}
	return out
}
