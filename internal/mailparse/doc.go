// Package mailparse turns the raw bytes of an email into a mailwiki.Message.
//
// It is the only package that knows about the MIME library (enmime); nothing
// of enmime leaks through its API. Parsing is lenient: malformed parts are
// skipped or repaired and recorded in Message.Warnings as safe text (the names
// of the problems and the part ids, never message content).
//
// Parse returns an error only when nothing usable can be extracted from the
// input: when it is empty (or only white space), or when its first line is
// not a header field, so that enmime refuses the header block (a text file
// that is not an email, a header block indented by a space). Such an
// error is a permanent *mailwiki.Error with code EINVALID; the pipeline then
// falls back to the text-only page (convert.Fallback).
//
// Declared charsets are trusted: enmime's statistical charset detection
// (about 1 ms per 20 KB part) runs only for text parts that declare none.
package mailparse
