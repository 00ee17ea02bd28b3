package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert"
	"github.com/mailwiki/mailwiki/internal/mailparse"
)

// DraftOptions tune BuildDraft.
type DraftOptions struct {
	// Received is when the message was accepted (the 250 reply); it dates
	// the title of a message without a subject. Zero: the Date header.
	Received time.Time
	// Location is the time zone of dates on the page; nil means UTC.
	Location *time.Location
	// Limits bound the work; zero fields take DefaultDraftLimits' values.
	Limits DraftLimits
	// Mark, when set, is called after each stage ("parse", "convert") that
	// ran, for stage timings.
	Mark func(stage string)
}

// DraftLimits bound the work of building one draft, so that a message of
// any shape costs time and memory linear in its size. A message over a
// limit is published as the text fallback, never retried.
type DraftLimits struct {
	// Time is the wall-clock time parsing and converting may take
	// together; the context's own deadline still applies.
	Time time.Duration
	// Parse and Convert are the structural limits of each stage.
	Parse   mailparse.Limits
	Convert convert.Limits
}

// DefaultDraftLimits returns the limits used for zero fields: 30 s, and
// each stage's defaults.
func DefaultDraftLimits() DraftLimits {
	return DraftLimits{Time: 30 * time.Second, Parse: mailparse.DefaultLimits(), Convert: convert.DefaultLimits()}
}

// Built is what BuildDraft made of a message.
type Built struct {
	// Message is the parsed message; nil when it could not be parsed.
	Message *mailwiki.Message
	// Draft is the page to publish; never nil.
	Draft *mailwiki.Draft
	// Reason is "" when Draft is the converted page; otherwise Draft is the
	// text fallback and Reason says why, as the stage and an error code
	// ("parse: invalid", "parse: too_large", "convert: too_large"), never
	// content. Draft.Warnings then starts with the reason and the limit hit.
	Reason string
}

// Fallback reports whether the draft is the text fallback.
func (b Built) Fallback() bool { return b.Reason != "" }

// errTimeLimit is the cause of BuildDraft's own deadline (DraftLimits.Time).
var errTimeLimit = errors.New("draft time limit reached")

// BuildDraft parses and converts raw into the page delivery publishes, or,
// when the message cannot be parsed or converted or exceeds opts.Limits,
// into the text fallback (convert.Fallback, the raw message attached as
// original.eml). It is the one place a draft is built: delivery and
// `mailwiki inspect` both use it, so inspect shows what would be published.
//
// The error is non-nil only when ctx is done (shutdown, or the job's own
// deadline) before the draft was built: a temporary *mailwiki.Error, with
// ctx's cause in the chain, so that the delivery is retried. Reaching
// DraftLimits.Time is not an error but a fallback (Reason "…: too_large").
func BuildDraft(ctx context.Context, raw []byte, opts DraftOptions) (Built, error) {
	lim := opts.Limits.withDefaults()
	bctx, cancel := context.WithTimeoutCause(ctx, lim.Time, errTimeLimit)
	defer cancel()
	msg, err := mailparse.ParseContext(bctx, raw, lim.Parse)
	opts.mark("parse")
	if err != nil {
		return fallback(ctx, raw, nil, opts, "parse", err)
	}
	d, err := convert.ConvertContext(bctx, msg, convert.Options{
		Received: opts.Received, Location: opts.location(), Limits: lim.Convert,
	})
	opts.mark("convert")
	if err != nil {
		return fallback(ctx, raw, msg, opts, "convert", err)
	}
	return Built{Message: msg, Draft: d}, nil
}

// FallbackDraft returns the text fallback of raw (msg: the parsed message,
// or nil) titled and dated as opts say: what BuildDraft returns on failure,
// and what delivery publishes when Confluence refuses the converted body.
func FallbackDraft(raw []byte, msg *mailwiki.Message, opts DraftOptions) *mailwiki.Draft {
	received := opts.Received
	if !received.IsZero() {
		received = received.In(opts.location())
	}
	return convert.Fallback(raw, msg, received)
}

// fallback turns a stage's error into the fallback draft, or returns it
// when it is temporary: the caller's context is done, or the failure is
// unknown. The time limit, temporary inside the stage, is permanent here.
func fallback(ctx context.Context, raw []byte, msg *mailwiki.Message, opts DraftOptions, stage string, err error) (Built, error) {
	code, why := mailwiki.ErrorCode(err), mailwiki.ErrorMessage(err)
	switch {
	case !mailwiki.IsTemporary(err):
	case ctx.Err() == nil && errors.Is(err, errTimeLimit):
		code, why = mailwiki.ETOOLARGE, fmt.Sprintf("took longer than %s", opts.Limits.withDefaults().Time)
	default:
		return Built{}, err
	}
	reason := stage + ": " + code
	d := FallbackDraft(raw, msg, opts)
	warnings := []string{"text fallback (" + reason + "): " + why}
	if msg != nil {
		warnings = append(warnings, msg.Warnings...)
	}
	d.Warnings = append(warnings, d.Warnings...)
	return Built{Message: msg, Draft: d, Reason: reason}, nil
}

// withDefaults returns l with a zero Time set from DefaultDraftLimits; the
// stages fill their own zero fields.
func (l DraftLimits) withDefaults() DraftLimits {
	if l.Time <= 0 {
		l.Time = DefaultDraftLimits().Time
	}
	return l
}

func (o DraftOptions) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o DraftOptions) mark(stage string) {
	if o.Mark != nil {
		o.Mark(stage)
	}
}
