package convert

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mailwiki/mailwiki"
)

// MaxTitleRunes is Confluence's limit on page titles, in characters.
const MaxTitleRunes = 255

// titleTimeLayout formats dates in titles.
const titleTimeLayout = "2006-01-02 15:04"

// pageTitle returns the title for msg: its subject cleaned, or, for an empty
// subject, "Email from NAME on DATE" with the date from opts.Received (else
// msg.Date) in opts.Location (UTC when nil).
func pageTitle(msg *mailwiki.Message, opts Options) string {
	if t := cleanTitle(msg.Subject); t != "" {
		return t
	}
	title := "Email from " + senderName(msg)
	when := opts.Received
	if when.IsZero() {
		when = msg.Date
	}
	if !when.IsZero() {
		title += " on " + when.In(location(opts)).Format(titleTimeLayout)
	}
	return cleanTitle(title)
}

// location returns opts.Location or UTC.
func location(opts Options) *time.Location {
	if opts.Location != nil {
		return opts.Location
	}
	return time.UTC
}

// senderName returns the sender's display name, else address, else
// "unknown sender".
func senderName(msg *mailwiki.Message) string {
	if a, err := mail.ParseAddress(msg.From); err == nil {
		if name := cleanTitle(a.Name); name != "" {
			return name
		}
		return a.Address
	}
	for _, s := range []string{msg.FromAddress, msg.From} {
		if s = cleanTitle(s); s != "" {
			return s
		}
	}
	return "unknown sender"
}

// cleanTitle collapses white space, removes control and format characters
// and invalid UTF-8, and trims to MaxTitleRunes characters.
func cleanTitle(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || !xmlChar(r):
			return -1
		}
		return r
	}, s)
	return truncateRunes(strings.Join(strings.Fields(s), " "), MaxTitleRunes)
}

// truncateRunes shortens s to at most n runes, trimming trailing spaces.
func truncateRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return strings.TrimRight(s[:i], " ")
		}
		count++
	}
	return s
}

// TitleWithSuffix returns a variant of title for when title is already used
// in the space: n = 0 appends the date and time, " (2026-11-26 14:05)"; n > 0
// also appends " #n". t is formatted in its own location. The title is
// shortened so that the result stays within MaxTitleRunes characters and the
// suffix is always complete.
func TitleWithSuffix(title string, t time.Time, n int) string {
	suffix := " (" + t.Format(titleTimeLayout) + ")"
	if n > 0 {
		suffix += " #" + strconv.Itoa(n)
	}
	room := MaxTitleRunes - len([]rune(suffix))
	return truncateRunes(cleanTitle(title), room) + suffix
}

// FormatTitle applies an address's title format (mailwiki.TenantConfig) to
// a message: mailwiki.TitleSubject becomes title (the message's title as
// pageTitle made it), mailwiki.TitleDate the day received (YYYY-MM-DD, in
// received's location), mailwiki.TitleSender the sender's display name or
// address. The result is cleaned and kept within MaxTitleRunes; an empty
// format, or one that yields nothing, gives title.
func FormatTitle(format, title string, received time.Time, msg *mailwiki.Message) string {
	if strings.TrimSpace(format) == "" || format == mailwiki.TitleSubject {
		return title
	}
	sender := "unknown sender"
	if msg != nil {
		sender = senderName(msg)
	}
	r := strings.NewReplacer(mailwiki.TitleSubject, title, mailwiki.TitleDate, received.Format("2006-01-02"), mailwiki.TitleSender, sender)
	out := truncateRunes(cleanTitle(r.Replace(format)), MaxTitleRunes)
	if out == "" {
		return title
	}
	return out
}
