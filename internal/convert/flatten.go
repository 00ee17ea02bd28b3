package convert

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert/htmlshape"
)

// errTooDeep is in the chain of htmlBody's limit error when the HTML is
// nested too deep to parse into a tree; messageBody then shows its text
// (deepBody) instead of failing.
var errTooDeep = errors.New("HTML nested too deep to parse")

// htmlLimitError is limitError for a limit of the HTML's shape (what, a
// message of htmlshape.Check), with errTooDeep in the chain when the limit
// is the depth.
func htmlLimitError(what string) error {
	if !htmlshape.TooDeep(what) {
		return limitError(what)
	}
	return &mailwiki.Error{
		Code:    mailwiki.ETOOLARGE,
		Message: "convert: " + what,
		Err:     fmt.Errorf("%w: %w: %s", ErrLimit, errTooDeep, what),
	}
}

// deepBody is the body of a message whose HTML is nested too deep to parse
// (err, from htmlBody): its text part when it has one, else the HTML's
// text flattened into lines (flattenHTML) without links' targets, images
// or formatting; a warning says which. The HTML's elements are still
// bounded by lim.HTML.MaxElements.
func deepBody(ctx context.Context, msg *mailwiki.Message, err error, lim Limits) (string, []string, error) {
	what := strings.TrimPrefix(mailwiki.ErrorMessage(err), "convert: ")
	if strings.TrimSpace(msg.Text) != "" {
		body, warnings := plainBody(msg.Text)
		return body, append([]string{what + ": the text part is shown instead"}, warnings...), nil
	}
	body, _, warnings, err := flatBody(ctx, msg.HTML, what, lim)
	if err == nil && body == "" {
		body = noTextNote
	}
	return body, warnings, err
}

// htmlPart is htmlBody for one HTML part of an assembled body: HTML
// nested too deep to parse is shown as its text (flatBody).
func htmlPart(ctx context.Context, src string, files *fileSet, lim Limits) (string, bool, []string, error) {
	body, visible, warnings, err := htmlBody(ctx, src, files, lim)
	if errors.Is(err, errTooDeep) {
		return flatBody(ctx, src, strings.TrimPrefix(mailwiki.ErrorMessage(err), "convert: "), lim)
	}
	return body, visible, warnings, err
}

// flatBody shows the text of HTML nested too deep to parse (flattenHTML),
// as paragraphs with links, and whether it shows anything; its first
// warning says why (what, the limit) and that the formatting is lost.
func flatBody(ctx context.Context, src, what string, lim Limits) (string, bool, []string, error) {
	text, err := flattenHTML(ctx, src, lim.HTML.MaxElements)
	if err != nil {
		return "", false, nil, err
	}
	body, warnings := plainBody(text)
	return body, body != "", append([]string{what + ": its text is shown without formatting"}, warnings...), nil
}

// flattenHTML returns the text of an HTML document, read with the
// tokenizer (no tree, so no depth limit): white space collapsed, a line
// break at block boundaries, a blank line around paragraphs and headings,
// and nothing of the dropped containers (script, style, …). More than
// maxElements start tags (0: htmlshape's default) is a limit error. Time
// and memory are linear in len(src).
func flattenHTML(ctx context.Context, src string, maxElements int) (string, error) {
	if maxElements <= 0 {
		maxElements = htmlshape.Default().MaxElements
	}
	f := &flattener{}
	z := html.NewTokenizer(strings.NewReader(src))
	for n := 1; ; n++ {
		if n%ctxCheckNodes == 0 && ctx.Err() != nil {
			return "", interrupted(ctx)
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return f.b.String(), nil
		case html.TextToken:
			if f.skip == 0 {
				f.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			if f.tag(z, tt); f.elements > maxElements {
				return "", limitError(fmt.Sprintf("HTML body has more than %d elements", maxElements))
			}
		}
	}
}

// flattener accumulates flattenHTML's text.
type flattener struct {
	b        strings.Builder
	skip     int  // open dropped containers: their text is not shown
	space    bool // white space is pending before the next word
	elements int
}

// text writes a text token with its white space collapsed; white space at
// the start of a line is dropped.
func (f *flattener) text(s string) {
	for i, word := range strings.Fields(s) {
		if (i > 0 || f.space || startsWithSpace(s)) && !f.atLineStart() {
			f.b.WriteByte(' ')
		}
		f.b.WriteString(word)
		f.space = false
	}
	if s != "" && strings.TrimRight(s, " \t\n\r\f") != s {
		f.space = true
	}
}

func startsWithSpace(s string) bool {
	return s != "" && strings.TrimLeft(s, " \t\n\r\f") != s
}

// atLineStart reports whether the text so far is empty or ends a line.
func (f *flattener) atLineStart() bool {
	s := f.b.String()
	return s == "" || s[len(s)-1] == '\n'
}

// tag handles a start, self-closing or end tag: dropped containers are
// counted, block elements break the line, paragraphs and headings leave a
// blank line, table cells a space.
func (f *flattener) tag(z *html.Tokenizer, tt html.TokenType) {
	name, _ := z.TagName()
	if tt != html.EndTagToken {
		f.elements++
	}
	if droppedContainer(string(name)) && tt != html.SelfClosingTagToken {
		if tt == html.StartTagToken {
			f.skip++
		} else if f.skip > 0 {
			f.skip--
		}
		return
	}
	switch a := atom.Lookup(name); {
	case a == atom.P || a == atom.H1 || a == atom.H2 || a == atom.H3 || a == atom.H4 ||
		a == atom.H5 || a == atom.H6 || a == atom.Table || a == atom.Blockquote || a == atom.Pre:
		f.newline(2)
	case a == atom.Br || a == atom.Div || a == atom.Li || a == atom.Tr || a == atom.Ul ||
		a == atom.Ol || a == atom.Hr || a == atom.Dd || a == atom.Dt:
		f.newline(1)
	case a == atom.Td || a == atom.Th:
		f.space = true
	}
}

// newline ends the line, and leaves up to n-1 blank lines; a newline at
// the start of the text is not written.
func (f *flattener) newline(n int) {
	f.space = false
	s := f.b.String()
	have := len(s) - len(strings.TrimRight(s, "\n"))
	if s == "" || have >= n {
		return
	}
	f.b.WriteString(strings.Repeat("\n", n-have))
}
