package convert

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse"
	"github.com/mailwiki/mailwiki/internal/sharedtest"
)

// corpusFiles returns the shared email corpora's directory (see its
// README.md) and the corpus messages this test reads.
func corpusFiles(t *testing.T) (string, []string) {
	t.Helper()
	corpusDir := sharedtest.File(t, "corpus")
	var files []string
	for _, g := range []string{
		"enmime/testdata/*/*.raw",
		"mime4j/core/src/test/resources/testmsgs/*.msg",
		"mime4j/core/src/test/resources/mimetools-testmsgs/*.msg",
	} {
		m, err := filepath.Glob(filepath.Join(corpusDir, g))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("corpus at %s has no messages", corpusDir)
	}
	return corpusDir, files
}

// corpusCounts tallies the corpus run.
type corpusCounts struct {
	messages, parsed, refused, attachments, namedParts, html, text, warned int
	oracle                                                                 oracleCounts
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	var c corpusCounts
	corpusDir, files := corpusFiles(t)
	for _, path := range files {
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c.messages++
			corpusMessage(t, rel, raw, &c)
		})
	}
	t.Logf("corpus: %d messages, %d parsed, %d refused by Parse (text fallback), %d draft attachments, "+
		"%d named MIME parts all found in drafts, %d HTML bodies, %d text bodies, %d with parser warnings",
		c.messages, c.parsed, c.refused, c.attachments, c.namedParts, c.html, c.text, c.warned)
	t.Logf("no lost part: %d text parts checked (and %d without a word of %d letters), %d attachment parts checked; "+
		"excused by rule: %s", c.oracle.textParts, c.oracle.noWords, minWordRunes, c.oracle.attachments, &c.oracle)
}

// corpusMessage checks one message end to end.
func corpusMessage(t *testing.T, rel string, raw []byte, c *corpusCounts) {
	received := time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)
	msg, err := mailparse.Parse(raw)
	if err != nil {
		if !errors.Is(err, mailparse.ErrUnreadable) || mailwiki.ErrorCode(err) != mailwiki.EINVALID {
			t.Fatalf("Parse: undocumented error %v", err)
		}
		c.refused++
		t.Logf("refused by Parse (documented): %v", err)
		d := Fallback(raw, nil, received)
		checkDraft(t, d)
		checkTextParts(t, rel, raw, d, &c.oracle)
		c.namedParts += checkNamedParts(t, raw, d, &c.oracle)
		return
	}
	c.parsed++
	if len(msg.Warnings) > 0 {
		c.warned++
	}
	if strings.TrimSpace(msg.HTML) != "" {
		c.html++
	} else if strings.TrimSpace(msg.Text) != "" {
		c.text++
	}
	d, err := Convert(msg, Options{Received: received})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	checkDraft(t, d)
	checkDraft(t, Fallback(raw, msg, received))
	c.attachments += len(d.Attachments)
	checkAttachmentsKept(t, msg, d, &c.oracle)
	checkTextParts(t, rel, raw, d, &c.oracle)
	c.namedParts += checkNamedParts(t, raw, d, &c.oracle)
}

// checkAttachmentsKept asserts every non-empty attachment of the message is
// in the draft, byte for byte, or excused by an attachmentRules rule.
func checkAttachmentsKept(t *testing.T, msg *mailwiki.Message, d *mailwiki.Draft, c *oracleCounts) {
	t.Helper()
	for _, a := range msg.Attachments {
		if len(a.Data) > 0 && !attachmentKept(d, a.ContentType, a.Data, c) {
			t.Errorf("attachment %q (%s, %d bytes) missing from the draft", a.Filename, a.ContentType, len(a.Data))
		}
	}
}

// attachmentKept reports whether data is in the draft, or missing by an
// attachmentRules rule (which it tallies).
func attachmentKept(d *mailwiki.Draft, contentType string, data []byte, c *oracleCounts) bool {
	if hasData(d, data) {
		return true
	}
	if rule := ruleFor(attachmentRules, contentType, d); rule != "" && decorationDropped(contentType, data) {
		c.excuse(rule)
		return true
	}
	return false
}

// checkNamedParts is an oracle independent of mailparse's part walk: every
// MIME part that is a file, as enmime reads it (a leaf with content and a
// file name, or that is not a shown text part), must be in the draft byte
// for byte, or missing by an attachmentRules rule. It returns how many
// named parts it checked.
func checkNamedParts(t *testing.T, raw []byte, d *mailwiki.Draft, c *oracleCounts) int {
	t.Helper()
	p := enmime.NewParser(enmime.SkipMalformedParts(true), enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.DisableCharacterDetection(true), enmime.StripMediaTypeInvalidCharacters(true),
		enmime.SetCustomParseMediaType(asSent))
	root, err := p.ReadParts(bytes.NewReader(raw))
	if err != nil {
		return 0
	}
	files := root.DepthMatchAll(func(p *enmime.Part) bool {
		return p.FirstChild == nil && len(p.Content) > 0 && !strings.HasPrefix(p.ContentType, "multipart/") &&
			(p.FileName != "" || !shownText(p))
	})
	named := 0
	for _, p := range files {
		if p.FileName != "" {
			named++
		}
		c.attachments++
		if !attachmentKept(d, p.ContentType, p.Content, c) {
			t.Errorf("file part %s %q (%s, %d bytes) missing from the draft", p.PartID, p.FileName, p.ContentType, len(p.Content))
		}
	}
	return named
}

// asSent parses a media type as enmime does, with the charset of text
// types set to utf-8, so that enmime keeps a text part's bytes as sent:
// attachments are byte-exact, never converted to another charset.
func asSent(v string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := mediatype.ParseWithOptions(v, mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
	if err == nil && params != nil && strings.HasPrefix(mtype, "text/") {
		params["charset"] = "utf-8"
	}
	return mtype, params, invalid, err
}

func hasData(d *mailwiki.Draft, data []byte) bool {
	for _, a := range d.Attachments {
		if bytes.Equal(a.Data, data) {
			return true
		}
	}
	return false
}

// decorationDropped reports a small image that dropDecorations drops (a
// logo, icon or pixel). (A repeat has its bytes in the draft already.)
func decorationDropped(contentType string, data []byte) bool {
	if bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0 { // binary sent as text: its bytes say what it is
		contentType = http.DetectContentType(data)
	}
	return strings.HasPrefix(contentType, "image/") && decoration(mailwiki.Attachment{Data: data})
}
