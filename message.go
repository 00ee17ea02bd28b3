package mailwiki

import "time"

// Envelope is what the SMTP transaction told us about a message. It is kept in
// the queue next to the encrypted spool object; it never holds the body.
type Envelope struct {
	ID         string    // queue id: appears in the 250 reply and on every log line
	ConnID     string    // the SMTP connection's id
	RemoteAddr string    // ip:port of the client
	Helo       string    // HELO/EHLO name
	TLS        bool      // received over TLS (STARTTLS or implicit TLS)
	From       string    // MAIL FROM (may be empty: a bounce)
	To         []string  // accepted RCPT TO addresses, lower-cased domain
	Received   time.Time // when the 250 was given
	Size       int64     // bytes of the message as received
	TenantID   string    // the tenant the recipients route to
	// Labels are put on the published page: the marks of the door's
	// message stage (LabelSpam and friends).
	Labels []string
	// Trace holds header fields the door added (RFC 5322 §3.6.7 trace and
	// RFC 8601 Authentication-Results), each "Name: value" without CRLF.
	// They are prepended to the message when it is read for publishing,
	// so that the spooled bytes stay as received.
	Trace []string
}

// Message is a parsed email, independent of the MIME library that parsed it.
type Message struct {
	Subject     string
	From        string // as displayed: "Name <local@domain>"
	FromAddress string // local@domain only
	To          []string
	Date        time.Time // the Date header; zero if absent or unparseable
	MessageID   string    // without angle brackets
	InReplyTo   string    // without angle brackets
	References  []string  // without angle brackets, oldest first
	Automatic   bool      // an auto-reply or a bounce (RFC 3834, RFC 3464)
	Text        string    // the text/plain body (decoded to UTF-8)
	HTML        string    // the text/html body (decoded to UTF-8); empty if none
	Attachments []Attachment
	Warnings    []string // what the parser had to repair; safe to log (no content)
	// Body is the body as a mail client shows it: every text part and
	// every inline image it would display, in message order (Apple Mail's
	// several HTML parts around images, the chosen side of each
	// multipart/alternative). When set, it is what the page shows; Text
	// and HTML stay the one-string views (search, fallback). Nil when the
	// body is a single text/plain part: Text says it all.
	Body []BodyPart
	// Locations maps the Content-Location (RFC 2557) of attachments to
	// their index in Attachments. Keys are resolved against the part's
	// Content-Base or enclosing Content-Location where there is one, and
	// relative as written where there is none.
	Locations map[string]int
}

// BodyKind says what a BodyPart holds.
type BodyKind uint8

// The kinds of body part.
const (
	BodyText  BodyKind = iota // text/plain in Content
	BodyHTML                  // text/html in Content
	BodyImage                 // the image Attachments[Attachment], shown here
	// BodyEncrypted is an encrypted part (S/MIME enveloped-data, PGP/MIME
	// multipart/encrypted) that cannot be shown: Attachments[Attachment]
	// holds its data as sent.
	BodyEncrypted
	// BodyMessage is a forwarded message (message/rfc822, message/global)
	// shown as a quote: Message is its parse, Attachments[Attachment] the
	// message as sent (its .eml).
	BodyMessage
	// BodyCalendar is a calendar (text/calendar, an .ics file) to summarise:
	// Attachments[Attachment] holds it as sent.
	BodyCalendar
)

// BodyPart is one piece of a message's body, in display order.
type BodyPart struct {
	Kind    BodyKind
	Content string // BodyText, BodyHTML: the decoded text
	// Base is the URL a BodyHTML part's relative references resolve
	// against (RFC 2557: its Content-Location, or an enclosing
	// Content-Base); empty if none.
	Base       string
	Attachment int // BodyImage, BodyEncrypted, BodyMessage, BodyCalendar: the index in Message.Attachments
	// Message is a BodyMessage's forwarded message, with its own
	// attachments (not in the enclosing Message's) and warnings.
	Message *Message
}

// Attachment is a file carried by a message: an inline image (Inline, with a
// ContentID referenced as cid: from the HTML) or an ordinary attachment.
type Attachment struct {
	Filename    string
	ContentType string
	ContentID   string // without angle brackets; empty if none
	Inline      bool
	Data        []byte
}

// Draft is what the converter makes of a Message: a title, a Confluence
// storage-format XHTML body and the files that body refers to. Every
// attachment's Filename is unique within the draft and is exactly the name
// the body references with <ri:attachment ri:filename="…"/>.
type Draft struct {
	Title       string
	Storage     string
	Attachments []Attachment
	Warnings    []string
}
