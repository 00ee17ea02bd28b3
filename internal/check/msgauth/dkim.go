package msgauth

import (
	"context"
	"errors"
	"io"
	"strings"
	"unicode"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMResult is the verification of one DKIM-Signature field
// (RFC 6376 §6.1, results as in RFC 8601 §2.7.1).
type DKIMResult struct {
	// Result is pass; fail (the signature or body hash does not verify);
	// neutral (not verified: beyond the Checker's MaxSignatures);
	// temperror (the key could not be fetched: a DNS failure); permerror
	// (a malformed or expired signature, a missing or unusable key).
	Result string
	// Domain is the signature's d= (the SDID), lower-cased; Selector is its
	// s=. Either is "" when the signature lacks it.
	Domain, Selector string
}

// verifyDKIM verifies the DKIM signatures of the message r (header and
// body, streamed; r is not necessarily read to EOF) whose header fields are
// fields. It returns one result per DKIM-Signature field, in order.
func (c *Checker) verifyDKIM(ctx context.Context, r io.Reader, fields []field) []DKIMResult {
	results := signatures(fields)
	if len(results) == 0 {
		return nil
	}
	verifs, err := dkim.VerifyWithOptions(r, &dkim.VerifyOptions{
		LookupTXT:        c.lookupTXT(ctx),
		MaxVerifications: c.maxSignatures(),
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// An error go-msgauth does not classify: a read error (Message
		// reports it) or something unforeseen; unknown is temporary.
		for i := range results {
			results[i].Result = TempError
		}
		return results
	}
	for i := range results {
		results[i].Result = Neutral
		if i < len(verifs) {
			results[i].Result = dkimResult(verifs[i].Err)
		}
	}
	return results
}

// dkimResult maps a go-msgauth verification error to an RFC 8601 result.
func dkimResult(err error) string {
	switch {
	case err == nil:
		return Pass
	case dkim.IsTempFail(err):
		return TempError
	case dkim.IsPermFail(err):
		return PermError
	default: // go-msgauth's signature failures are unexported: what is left
		return Fail
	}
}

// signatures returns an unverified result per DKIM-Signature field in
// fields, with the d= and s= tags filled in (RFC 6376 §3.5).
func signatures(fields []field) []DKIMResult {
	var out []DKIMResult
	for _, f := range fields {
		if !strings.EqualFold(f.name, "DKIM-Signature") {
			continue
		}
		tags := tagList(f.value)
		out = append(out, DKIMResult{Domain: normalizeDomain(tags["d"]), Selector: tags["s"]})
	}
	return out
}

// tagList parses a DKIM tag=value list (RFC 6376 §3.2), white space
// removed from names and values; malformed pairs are skipped.
func tagList(s string) map[string]string {
	tags := make(map[string]string)
	for pair := range strings.SplitSeq(s, ";") {
		name, value, ok := strings.Cut(pair, "=")
		if ok {
			tags[stripSpace(name)] = stripSpace(value)
		}
	}
	return tags
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
