package mailparse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailwiki/mailwiki"
)

// ErrUnreadable is the cause of Parse's error when the MIME library refuses
// the message; test for it with errors.Is.
var ErrUnreadable = errors.New("header block or MIME structure unreadable")

// maxWarnings bounds Message.Warnings so that a pathological message cannot
// produce an unbounded list.
const maxWarnings = 50

// newParser returns an enmime parser configured to be lenient and cheap:
// malformed child parts are skipped (and recorded), a multipart type
// without a boundary is read as a single part, parts with broken base64
// keep what decoded (guard.keepPartial), and a declared charset is used
// without statistical detection. Parts are capped at lim.MaxParts and
// media types go through g's limits.
func newParser(lim Limits, g *guard, extra ...enmime.Option) *enmime.Parser {
	return enmime.NewParser(append([]enmime.Option{
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(g.keepPartial),
		enmime.DisableCharacterDetection(true),
		enmime.StripMediaTypeInvalidCharacters(true),
		enmime.MaxStoredPartErrors(maxWarnings),
		enmime.MaxMIMEParts(lim.MaxParts),
		enmime.SetCustomParseMediaType(g.parseMediaType),
	}, extra...)...)
}

// Parse is ParseContext without a deadline and with DefaultLimits.
func Parse(raw []byte) (*mailwiki.Message, error) {
	return ParseContext(context.Background(), raw, Limits{})
}

// ParseContext reads one RFC 5322 message and returns it as a
// mailwiki.Message with every field filled that the message provides. Its
// time and memory grow linearly with len(raw) whatever the message's
// shape: lim (zero fields: DefaultLimits) bounds the structure, ctx the
// time.
//
// Errors, all *mailwiki.Error whose safe message names no content:
//   - EINVALID, permanent, ErrUnreadable in the chain: nothing usable can be
//     extracted: an empty (or white-space-only) input, or a top-level header
//     block that enmime cannot read at all (its first line is neither a
//     header field nor blank, as in a text file that is not an email);
//   - ETOOLARGE, permanent, ErrLimit in the chain: the message exceeds one of
//     lim's limits, which the message names;
//   - EUNAVAILABLE, temporary: ctx is done (context.Cause(ctx) in the chain).
//
// Everything else that is wrong with a message (broken parts, unknown
// charsets, bad dates, an HTML body too costly to turn into text) is
// repaired where possible and reported in Message.Warnings.
//
// The returned Message owns its data; raw is not retained.
func ParseContext(ctx context.Context, raw []byte, lim Limits) (*mailwiki.Message, error) {
	return parseDepth(ctx, raw, lim, 0)
}

// parseDepth is ParseContext for a message nested depth messages deep
// (forwarded, or the content of opaque S/MIME) in the one parsed.
func parseDepth(ctx context.Context, raw []byte, lim Limits, depth int) (*mailwiki.Message, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, mailwiki.Errorf(mailwiki.EINVALID, "mailparse: empty message")
	}
	if ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	lim = lim.withDefaults()
	detect, err := scan(raw, lim)
	if err != nil {
		return nil, err
	}
	g := &guard{ctx: ctx, r: bytes.NewReader(raw), declare: detect > lim.MaxDetectBytes}
	d := newDecoder(g, !g.declare)
	root, err := newParser(lim, g, enmime.SetCustomParseMediaType(d.parseMediaType)).ReadParts(g)
	if err := g.check(err, lim); err != nil {
		return nil, err
	}
	d.decodeParts(root)
	unflowParts(root)
	env, warnings, err := envelope(root, lim, g)
	if err != nil {
		return nil, err
	}
	msg := fromEnvelope(env, d, &nesting{ctx: ctx, lim: lim, depth: depth, d: d})
	keepPreamble(raw, env.Root, msg)
	if ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	if g.declare {
		warnings = append(warnings, fmt.Sprintf("charset detection skipped: over %d bytes of text without a declared charset", lim.MaxDetectBytes))
	}
	msg.Warnings = append(warnings, msg.Warnings...)
	return msg, nil
}

// readError translates enmime's error for a message it refused.
func readError(err error, lim Limits) error {
	var tooMany *enmime.TooManyPartsError
	if errors.As(err, &tooMany) {
		return limitError("more than %d MIME parts", lim.MaxParts)
	}
	// enmime's error quotes the offending header line: keep it out of
	// the chain, which ends up in logs.
	return &mailwiki.Error{
		Code:    mailwiki.EINVALID,
		Message: "mailparse: the message structure cannot be read",
		Err:     fmt.Errorf("mailparse: read envelope: %w", ErrUnreadable),
	}
}

// fromEnvelope copies what mailwiki needs out of an enmime envelope; d
// decodes its header fields and holds the bytes of its attachments.
func fromEnvelope(env *enmime.Envelope, d *decoder, n *nesting) *mailwiki.Message {
	msg := &mailwiki.Message{
		Subject:    cleanHeader(d.header(env, "Subject")),
		MessageID:  firstID(env.GetHeader("Message-Id")),
		InReplyTo:  firstID(env.GetHeader("In-Reply-To")),
		References: idList(env.GetHeader("References")),
		Text:       env.Text,
		HTML:       env.HTML,
		Automatic:  isAutomatic(env.Root),
	}
	msg.From, msg.FromAddress = fromHeader(env, d)
	msg.To = addressList(env, d, "To")
	msg.Date = headerDate(env, msg)
	var winmail []string
	noBody := strings.TrimSpace(env.Text) == "" && strings.TrimSpace(env.HTML) == ""
	msg.Attachments, winmail = expandWinmailLimits(attachments(env, d), winmailLimits{KeepBody: noBody})
	msg.Warnings = append(msg.Warnings, winmail...)
	assembleBody(env, msg, n)
	msg.Warnings = append(msg.Warnings, d.warnings...)
	msg.Warnings = appendPartWarnings(msg.Warnings, env.Errors)
	return msg
}

// cleanHeader collapses the white space of a decoded header value.
func cleanHeader(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// headerDate parses the Date header; an absent or unparseable date leaves the
// zero time and, when present but unparseable, a warning.
func headerDate(env *enmime.Envelope, msg *mailwiki.Message) time.Time {
	if strings.TrimSpace(env.GetHeader("Date")) == "" {
		return time.Time{}
	}
	d, err := env.Date()
	if err != nil {
		msg.Warnings = append(msg.Warnings, "Date header cannot be parsed")
		return time.Time{}
	}
	return d
}

// fromHeader returns the From header in display form ("Name <addr>") and the
// bare address. When the header is not a valid address list, the decoded text
// is returned as the display form and the address is empty.
func fromHeader(env *enmime.Envelope, d *decoder) (display, address string) {
	list, err := d.addresses(env, "From")
	if err == nil && len(list) > 0 {
		return displayAddress(list[0]), list[0].Address
	}
	return cleanHeader(d.header(env, "From")), ""
}

// addressList returns the addresses of header key in display form; an
// unparseable header yields its decoded text as a single entry.
func addressList(env *enmime.Envelope, d *decoder, key string) []string {
	list, err := d.addresses(env, key)
	if err != nil {
		if v := cleanHeader(d.header(env, key)); v != "" {
			return []string{v}
		}
		return nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, displayAddress(a))
	}
	return out
}

// displayAddress formats an address for people, without RFC 2047 encoding.
func displayAddress(a *mail.Address) string {
	name := cleanHeader(a.Name)
	switch {
	case name == "":
		return a.Address
	case a.Address == "":
		return name
	default:
		return name + " <" + a.Address + ">"
	}
}

// appendPartWarnings turns enmime's part errors into safe warnings: only the
// problem's name (a constant of enmime) and its severity, never the detail,
// which can quote header or body text. Duplicates are dropped.
func appendPartWarnings(warnings []string, errs []*enmime.Error) []string {
	seen := make(map[string]bool, len(warnings))
	for _, w := range warnings {
		seen[w] = true
	}
	for _, e := range errs {
		if e.Name == enmime.ErrorPlainTextFromHTML && !e.Severe {
			continue // "no text/plain part": how HTML-only mail is, nothing lost
		}
		w := "part problem: " + e.Name
		if e.Severe {
			w += " (content lost)"
		}
		if seen[w] || len(warnings) >= maxWarnings {
			continue
		}
		seen[w] = true
		warnings = append(warnings, w)
	}
	return warnings
}
