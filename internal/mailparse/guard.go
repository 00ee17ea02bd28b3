package mailparse

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// guard stops enmime when the context is done or a limit is hit inside it.
// Its reader, which enmime reads the message through in chunks of at most
// 4 KB, fails every read from then on, and its media type parser refuses
// fields over the fixed limits. err holds the first reason; enmime may
// swallow the errors (it skips malformed parts), so the caller checks err
// once enmime returns. Not safe for concurrent use.
type guard struct {
	ctx context.Context
	r   io.Reader
	err error
	// declare: text parts without a charset parameter get charset=utf-8,
	// so that enmime does not detect it (bytes kept as they are).
	declare bool
}

// Read reads from the message unless the context is done or a limit was hit.
func (g *guard) Read(p []byte) (int, error) {
	if g.err == nil && g.ctx.Err() != nil {
		g.err = interrupted(g.ctx)
	}
	if g.err != nil {
		return 0, g.err
	}
	return g.r.Read(p)
}

// parseMediaType is enmime's media type parser behind the fixed limits; it
// records a limit hit, which then also stops the reader. With declare set
// it adds charset=utf-8 to text types without a charset.
func (g *guard) parseMediaType(v string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := parseMediaType(v)
	if g.err == nil && errors.Is(err, ErrLimit) {
		g.err = err
	}
	if g.declare && err == nil && strings.HasPrefix(mtype, "text/") && params["charset"] == "" {
		params["charset"] = "utf-8"
	}
	return mtype, params, invalid, err
}

// keepPartial is the read-part error policy: it decides whether a part
// whose content could not be decoded in full keeps what was decoded (with
// a warning) or is dropped as malformed. Kept: stray characters in base64,
// which enmime (since v2.4) passes to the policy and would otherwise drop
// the part for (v2.3 only warned), and corrupt base64 in a text body.
// After the guard tripped, nothing is kept.
func (g *guard) keepPartial(p *enmime.Part, err error) bool {
	if g.err != nil {
		return false
	}
	return strings.Contains(err.Error(), "in base64 stream") || enmime.AllowCorruptTextPartErrorPolicy(p, err)
}

// check returns the reason enmime stopped, if the guard stopped it, else
// enmime's own error translated (nil for none).
func (g *guard) check(err error, lim Limits) error {
	switch {
	case g.err != nil:
		return g.err
	case err != nil:
		return readError(err, lim)
	}
	return nil
}

// limitOnly returns err when it is a limit error, else nil: a value that
// cannot be parsed is enmime's to repair or report.
func limitOnly(err error) error {
	if errors.Is(err, ErrLimit) {
		return err
	}
	return nil
}
