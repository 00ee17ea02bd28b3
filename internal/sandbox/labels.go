package sandbox

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Labels on pages and blog posts, as Confluence keeps them (Atlassian's REST
// v1 "Content labels" group; v2 GET /pages/{id}/labels, /blogposts/{id}/labels).
// A label is a prefix ("global" for labels added in the UI or by an app,
// "my", "team") and a lower-case name; Confluence gives each distinct
// prefix and name one id, shared by every content that carries it.

// maxLabelNameRunes is Confluence's limit on a label name
// (LabelParser.MAX_LABEL_NAME_LENGTH).
const maxLabelNameRunes = 255

// labelForbidden are the characters Confluence refuses in a label name (its
// documentation: spaces and : ; , . ? & [ ] ( ) # ^ * @ ! ' ` < >). Any
// other white space is refused too. A "/" is allowed: Cloud's v1 reference
// has a DELETE by query parameter for label names that contain one.
const labelForbidden = ":;,.?&[]()#^*@!'`<>"

// labelPrefixes are the prefixes a client may add (Atlassian's LabelCreate:
// global, my, team; "system" labels are Confluence's own).
var labelPrefixes = []string{"global", "my", "team"}

// contentLabel is one label on one page or blog post.
type contentLabel struct {
	ContentID string `json:"content_id"`
	ID        string `json:"id"` // the label's id, the same on every content
	Prefix    string `json:"prefix"`
	Name      string `json:"name"`
}

// labelInput is one label of an add request, checked and normalised.
type labelInput struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// normalise lower-cases the name, as Confluence does, and checks it and
// the prefix: a 400 naming the label for a name that is empty, too long or
// holds a forbidden character, or for an unknown prefix.
func (in *labelInput) normalise() error {
	if in.Prefix == "" {
		in.Prefix = "global"
	}
	if !contains(labelPrefixes, in.Prefix) {
		return invalid("Invalid label prefix '%s': use one of global, my, team", in.Prefix)
	}
	in.Name = strings.ToLower(strings.TrimSpace(in.Name))
	switch {
	case in.Name == "":
		return invalid("Label name must not be empty")
	case utf8.RuneCountInString(in.Name) > maxLabelNameRunes:
		return invalid("Label '%s' is too long: a label name has at most %d characters", in.Name, maxLabelNameRunes)
	case strings.IndexFunc(in.Name, badLabelRune) >= 0:
		return invalid("Label '%s' contains invalid characters: a label name cannot contain spaces or any of %s", in.Name, labelForbidden)
	}
	return nil
}

func badLabelRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(labelForbidden, r)
}

// labelsOf returns the labels of a content in the order they were added.
// The caller holds s.mu.
func (st *state) labelsOf(contentID string) []*contentLabel {
	var out []*contentLabel
	for _, l := range st.Labels {
		if l.ContentID == contentID {
			out = append(out, l)
		}
	}
	return out
}

// labelID returns the id of prefix:name, found on any content or new.
// The caller holds s.mu.
func (st *state) labelID(prefix, name string) string {
	for _, l := range st.Labels {
		if l.Prefix == prefix && l.Name == name {
			return l.ID
		}
	}
	return st.newID()
}

// addLabels adds to a page or blog post the labels it does not carry yet,
// all or none, durably when there is a state file, and returns all its
// labels. Adding a label the content has is not an error (Confluence
// leaves it as it is). Unknown content is a 404; an invalid label a 400
// and nothing is added.
func (s *Sandbox) addLabels(contentID string, in []labelInput) ([]contentLabel, error) {
	for i := range in {
		if err := in[i].normalise(); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.hasContent(contentID) {
		return nil, notFound("No content found with id: ContentId{id=%s}", contentID)
	}
	added, nextID := s.newLabels(contentID, in)
	if err := s.save(func(w stateTx) error { return w.labels(added) }); err != nil {
		s.st.Labels = s.st.Labels[:len(s.st.Labels)-len(added)]
		s.st.NextID = nextID
		return nil, fmt.Errorf("sandbox: label content %s: %w", contentID, err)
	}
	s.log.Info("sandbox: labels added", "content", contentID, "labels", len(added))
	return copyLabels(s.st.labelsOf(contentID)), nil
}

// newLabels appends to the state the labels of in that contentID lacks and
// returns them, with NextID as it was before. The caller holds s.mu.
func (s *Sandbox) newLabels(contentID string, in []labelInput) ([]*contentLabel, int64) {
	nextID := s.st.NextID
	var added []*contentLabel
	for _, l := range in {
		if s.st.hasLabel(contentID, l.Prefix, l.Name) {
			continue
		}
		cl := &contentLabel{ContentID: contentID, ID: s.st.labelID(l.Prefix, l.Name), Prefix: l.Prefix, Name: l.Name}
		s.st.Labels = append(s.st.Labels, cl)
		added = append(added, cl)
	}
	return added, nextID
}

// hasLabel reports whether the content carries prefix:name. The caller
// holds s.mu.
func (st *state) hasLabel(contentID, prefix, name string) bool {
	for _, l := range st.labelsOf(contentID) {
		if l.Prefix == prefix && l.Name == name {
			return true
		}
	}
	return false
}

// contentLabels returns a page's or blog post's labels (t nil: either
// kind) whose prefix is among prefixes (all when empty), or a 404.
func (s *Sandbox) contentLabels(t *contentType, contentID string, prefixes []string) ([]contentLabel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exists := s.st.hasContent(contentID)
	if t != nil {
		exists = pageByID(*t.items(&s.st), contentID) != nil
	}
	if !exists {
		return nil, notFound("No content found with id: ContentId{id=%s}", contentID)
	}
	var out []contentLabel
	for _, l := range s.st.labelsOf(contentID) {
		if len(prefixes) == 0 || contains(prefixes, l.Prefix) {
			out = append(out, *l)
		}
	}
	return out, nil
}

func copyLabels(ls []*contentLabel) []contentLabel {
	out := make([]contentLabel, 0, len(ls))
	for _, l := range ls {
		out = append(out, *l)
	}
	return out
}

// Labels returns the labels of the page or blog post contentID in the
// order they were added: the name alone for a global label, "prefix:name"
// for another prefix. Nil for unknown content or none.
func (s *Sandbox) Labels(contentID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range s.st.labelsOf(contentID) {
		out = append(out, l.display())
	}
	return out
}

// display is the label as Confluence shows it: the name, prefixed when the
// prefix is not global.
func (l contentLabel) display() string {
	if l.Prefix == "global" {
		return l.Name
	}
	return l.Prefix + ":" + l.Name
}
