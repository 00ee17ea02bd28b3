package mailparse

import (
	"context"

	"github.com/mailwiki/mailwiki"
)

// maxNesting is how deep messages inside a message are opened: forwarded
// messages (forward.go) and opaque S/MIME content (signed.go), the message
// itself at depth 0. Deeper ones are attached as they are, with a warning.
const maxNesting = 3

// nesting is what one parse needs to open the messages nested in its own.
type nesting struct {
	ctx   context.Context
	lim   Limits
	depth int // how many messages enclose the one parsed
	d     *decoder
}

// parse parses a message nested in the one n parses, with the same limits
// and context.
func (n *nesting) parse(raw []byte) (*mailwiki.Message, error) {
	return parseDepth(n.ctx, raw, n.lim, n.depth+1)
}

// expand completes the body assembled from the part tree (in order): the
// content of opaque S/MIME parts is spliced in their place, forwarded
// messages are parsed. Parts that cannot be opened are left out of the
// body; their attachment stays.
func (n *nesting) expand(msg *mailwiki.Message, body []mailwiki.BodyPart) []mailwiki.BodyPart {
	out := make([]mailwiki.BodyPart, 0, len(body))
	for _, bp := range body {
		if bp.Kind == mailwiki.BodyMessage {
			if n.forward(msg, &bp) {
				out = append(out, bp)
			}
			continue
		}
		if bp.Kind != bodyOpaque {
			out = append(out, bp)
			continue
		}
		if n.depth >= maxNesting {
			msg.Warnings = append(msg.Warnings, "S/MIME signed content nested too deep: not shown, attached as it is")
			continue
		}
		if inner := n.openOpaque(msg, bp.Attachment); inner != nil {
			out = append(out, splice(msg, inner)...)
		}
	}
	return out
}
