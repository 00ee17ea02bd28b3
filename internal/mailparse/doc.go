// Package mailparse turns the raw bytes of an email into a mailwiki.Message.
//
// It is the only package that knows about the MIME library (enmime); nothing
// of enmime leaks through its API. Parsing is lenient: malformed parts are
// skipped or repaired and recorded in Message.Warnings as safe text (the names
// of the problems and the part ids, never message content).
//
// ParseContext returns an error only when nothing usable can be extracted
// from the input (EINVALID, ErrUnreadable: it is empty or only white
// space, or its first line is not a header field, so that enmime refuses
// the header block), when the message exceeds its Limits (ETOOLARGE,
// ErrLimit), or when its context is done (EUNAVAILABLE, temporary). The
// first two are permanent: the pipeline then falls back to the text-only
// page (convert.Fallback).
//
// Bounded work. enmime's time grows faster than the message for some
// shapes: it reads every byte once per enclosing multipart level, joins
// text parts one by one, repairs media type parameters in time quadratic in
// their number, and its HTML-to-text conversion walks the HTML parser's
// stack for every tag. A linear pre-pass (scan.go) checks nesting, part
// count, header size and nested content before enmime runs; a guard
// (guard.go) stops enmime's reads when the context is done and refuses
// oversized media type fields; the text join and the HTML body are checked
// before enmime builds the envelope (body.go). Package hostile generates
// the shapes these limits exist for; bench/parse measures them.
//
// Charsets (charset.go, decode.go, rfc2047.go, rfc2231.go) are read by this
// package, not by enmime, which is told every text part is UTF-8 and so
// keeps its bytes as sent: attachments are the transfer-decoded bytes of
// their part, never converted. Text parts, header fields and file names
// (RFC 2231 in any charset, RFC 2047 words where clients put them) are
// converted to UTF-8 as browsers read the labels (WHATWG: ISO-8859-1 and
// US-ASCII as windows-1252). A text part without a charset is read by its
// byte order mark, its HTML <meta> charset, as UTF-8 when valid, by
// statistical detection (about 0.1 s per MB; not beyond
// Limits.MaxDetectBytes of such parts), else as windows-1252. Every guess
// or rename adds a warning.
package mailparse
