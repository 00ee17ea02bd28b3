// Package convert turns a mailwiki.Message into a mailwiki.Draft: a page
// title, a body in Confluence storage format (XHTML with ac:/ri: elements) and
// the files that body refers to.
//
// The package is pure: no I/O, no clock, no mutable package state. Every
// function may be called concurrently.
//
// HTML mail is first sanitised by a bluemonday allowlist (policy.go, written
// as data), then parsed with golang.org/x/net/html and written back element by
// element: only allowlisted elements and attributes are emitted, all text and
// attribute values are escaped, and named entities never appear in the output
// (UTF-8 or the five XML entities only). Mail text is never spliced into
// markup. Plain-text mail becomes paragraphs with links.
//
// Images: <img src="cid:…"> becomes <ac:image><ri:attachment/></ac:image>
// naming the attachment with that Content-ID; remote images are never
// embedded (no ri:url: a page view must not call the sender's host) but
// become links; data: images become attachments. Text and cell colours and
// image sizes are read from the mail against a strict grammar (style.go)
// and written rebuilt in storage's terms (paint.go). Files
// not shown inline are listed under an "Attachments" heading. File names are
// sanitised and made unique per page (image001.png, image001-1.png, …) and
// the Draft's attachments carry exactly the names the body references.
//
// Convert checks its own output with CheckStorage and returns an error rather
// than invalid storage. Fallback builds a text-only page with the original
// message attached, for when parsing, converting or publishing fails.
//
// Bounded work. ConvertContext's time and memory grow linearly with the
// message whatever its shape: the HTML body is measured (htmlshape) before
// it is parsed, since the HTML parser's time grows with tags × depth; the
// files on a page are capped (Limits); file names are made unique without
// rescanning; and the context is checked while the HTML is written.
// Fallback is linear too: it reduces HTML to text with the tokenizer, not
// the parser, and shows at most MaxFallbackText bytes.
package convert
