package confluence

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Labels on pages and blog posts, through REST v1's "Add labels to content"
// (POST /rest/api/content/{id}/label), the same path on Cloud and Data
// Center; Cloud's REST v2 has no label write.

// MaxLabelLen is Confluence's limit on a label name, in characters
// (LabelParser.MAX_LABEL_NAME_LENGTH).
const MaxLabelLen = 255

// labelForbidden are the characters CheckLabel refuses. Confluence itself
// refuses white space and : ; , . ? & [ ] ( ) # ^ * @ ! ' ` < > (its
// documentation on label names); the client also refuses / \ { | } ~ " %,
// which Confluence accepts but which break URLs (the v1 DELETE by path) and
// CQL queries such as label = "…".
const labelForbidden = ":;,.?&[]()#^*@!'`<>/\\{|}~\"%"

// labelV1 is LabelCreate: {"prefix","name"}.
type labelV1 struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// CheckLabel reports whether name can be added as a global label: not
// empty, at most MaxLabelLen characters, lower-case (Confluence would
// lower-case it, so that the label read back would differ from the one
// asked for), no white space or control character and none of
// : ; , . ? & [ ] ( ) # ^ * @ ! ' ` < > / \ { | } ~ " %. The error is an
// EINVALID *mailwiki.Error naming the label.
func CheckLabel(name string) error {
	switch {
	case name == "":
		return invalidf("a label name is empty")
	case !utf8.ValidString(name):
		return invalidf("label %q is not valid UTF-8", name)
	case utf8.RuneCountInString(name) > MaxLabelLen:
		return invalidf("label %q is %d characters long; at most %d", name, utf8.RuneCountInString(name), MaxLabelLen)
	case strings.ToLower(name) != name:
		return invalidf("label %q has upper-case letters; Confluence labels are lower-case", name)
	}
	if i := strings.IndexFunc(name, badLabelRune); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return invalidf("label %q contains %q; a label name cannot contain white space or any of %s", name, r, labelForbidden)
	}
	return nil
}

func badLabelRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(labelForbidden, r)
}

// AddLabels adds global labels to the page or blog post contentID, leaving
// its other labels as they are. Every name is checked with CheckLabel
// before anything is sent: one invalid name is an EINVALID error naming it
// and no label is added. No labels: nothing is sent.
//
// Adding a label the content already has is not an error, so the call is
// idempotent and retried like a PUT (after a 5xx or a transport error,
// besides 429). Unknown content is a permanent ENOTFOUND error; other
// failures are classified as for every call (see the package doc).
func (c *Client) AddLabels(ctx context.Context, contentID string, labels []string) error {
	if err := c.addLabels(ctx, contentID, labels); err != nil {
		return fmt.Errorf("confluence: add labels to content %q: %w", contentID, err)
	}
	return nil
}

func (c *Client) addLabels(ctx context.Context, contentID string, labels []string) error {
	if strings.TrimSpace(contentID) == "" {
		return invalidf("the content id is empty")
	}
	if len(labels) == 0 {
		return nil
	}
	body := make([]labelV1, 0, len(labels))
	for _, name := range labels {
		if err := CheckLabel(name); err != nil {
			return err
		}
		body = append(body, labelV1{Prefix: "global", Name: name})
	}
	r, err := jsonRequest(http.MethodPost, "/rest/api/content/"+pathID(contentID)+"/label", nil, body)
	if err != nil {
		return err
	}
	r.retryable = true
	return c.do(ctx, r, nil)
}
