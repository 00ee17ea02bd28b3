package mailwiki

import (
	"fmt"
	"strings"
)

// What an address publishes as (Confluence REST v2 content types).
const (
	ContentPage     = "page"
	ContentBlogPost = "blogpost"
)

// Kinds of parent a page can be created under (Confluence Cloud REST v2:
// a page's parentId may name a page or a folder).
const (
	ParentPage   = "page"
	ParentFolder = "folder"
)

// Secure sender list modes, as the reference product names them.
const (
	SendersEveryone   = "everyone" // everyone may send
	SendersSecureOnly = "secure"   // only secure senders may send
)

// Title format placeholders; anything else in a format is kept as written.
const (
	TitleSubject = "{subject}" // the message's subject (the default format)
	TitleDate    = "{date}"    // the day received, YYYY-MM-DD, in the server's zone
	TitleSender  = "{sender}"  // the sender's display name, or address
)

// Configuration limits: beyond them the administrator is told at save time.
const (
	MaxAddresses     = 500
	MaxSenderEntries = 2000
	MaxTitleFormat   = 200
)

// TenantConfig is a tenant's configuration as its site administrator keeps
// it. For Connect and Forge tenants it lives in the tenant's own Confluence
// (app properties) and is read when a message is processed (promise P9);
// for token tenants it comes from the operator's configuration file. Its
// JSON form is what the admin page edits and what is stored in Confluence.
type TenantConfig struct {
	Addresses []AddressConfig `json:"addresses"`
	Senders   SenderList      `json:"senders"`
	Spam      SpamSettings    `json:"spam"`
}

// SpamSettings say what becomes of mail a scanner judges spam (SpamLikely).
// Malware is always refused, whatever they say.
type SpamSettings struct {
	Action string `json:"action"` // SpamRefuse (default) or SpamMark
}

// Normalized returns a normalized copy of c's door settings and addresses.
func (c TenantConfig) Normalized() TenantConfig {
	c.Addresses = append([]AddressConfig(nil), c.Addresses...)
	c.Senders.Entries = append([]string(nil), c.Senders.Entries...)
	c.Normalize()
	return c
}

// Policy returns the door settings c gives (c normalized).
func (c TenantConfig) Policy() Policy {
	return Policy{SecureOnly: c.Senders.Mode == SendersSecureOnly, SpamAction: c.Spam.Action}
}

// AddressConfig is one receiving address and where its mail goes.
type AddressConfig struct {
	Address  string `json:"address"`  // local@domain, under one of the operator's mail domains
	SpaceKey string `json:"spaceKey"` // the target space
	// ParentID is the page or folder new content goes under; empty: the
	// space's home page. ParentType says which (ParentPage, ParentFolder).
	ParentID    string `json:"parentId,omitempty"`
	ParentType  string `json:"parentType,omitempty"`
	ContentType string `json:"contentType"`           // ContentPage (default) or ContentBlogPost
	TitleFormat string `json:"titleFormat,omitempty"` // default TitleSubject
}

// SenderList is the secure sender list: entries name@domain (one address),
// @domain (every address of that domain) or .domain (the domain and its
// subdomains), and the mode that says whether only they may send.
type SenderList struct {
	Mode    string   `json:"mode"` // SendersEveryone (default) or SendersSecureOnly
	Entries []string `json:"entries"`
}

// FieldError is one problem of a configuration, next to its field. Field is
// a JSON path into TenantConfig, e.g. "addresses[2].spaceKey".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every problem of a configuration. Its code is
// EINVALID (see AsError); nothing is saved while any remains.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "configuration is not valid: " + strings.Join(parts, "; ")
}

// AsError wraps the field errors into an EINVALID *Error whose safe message
// names the first problem.
func (e *ValidationError) AsError() *Error {
	msg := "the configuration is not valid"
	if len(e.Fields) > 0 {
		msg = fmt.Sprintf("%s: %s", e.Fields[0].Field, e.Fields[0].Message)
		if n := len(e.Fields) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
	}
	return &Error{Code: EINVALID, Message: msg, Err: e}
}

// Normalize lower-cases addresses and sender entries, trims spaces and fills
// the defaults (content type page, title format subject, mode everyone).
func (c *TenantConfig) Normalize() {
	for i := range c.Addresses {
		a := &c.Addresses[i]
		a.Address = strings.ToLower(strings.TrimSpace(a.Address))
		a.SpaceKey = strings.TrimSpace(a.SpaceKey)
		a.ParentID = strings.TrimSpace(a.ParentID)
		if a.ParentID == "" {
			a.ParentType = ""
		} else if a.ParentType == "" {
			a.ParentType = ParentPage
		}
		if a.ContentType == "" {
			a.ContentType = ContentPage
		}
		if strings.TrimSpace(a.TitleFormat) == "" {
			a.TitleFormat = TitleSubject
		}
	}
	if c.Senders.Mode == "" {
		c.Senders.Mode = SendersEveryone
	}
	if c.Spam.Action == "" {
		c.Spam.Action = SpamRefuse
	}
	for i, e := range c.Senders.Entries {
		c.Senders.Entries[i] = strings.ToLower(strings.TrimSpace(e))
	}
}

// Address returns the configuration of one address (lower-case), if any.
func (c *TenantConfig) Address(addr string) (AddressConfig, bool) {
	for _, a := range c.Addresses {
		if a.Address == addr {
			return a, true
		}
	}
	return AddressConfig{}, false
}

// Validate checks a normalized configuration: every address well formed,
// unique and under one of mailDomains (lower-case; none: any domain), a space
// key on each, known parent and content types, title formats of bounded
// length, sender entries in one of the three forms, a known mode, and the
// list sizes. It returns a *ValidationError listing every problem, or nil.
// Whether the spaces and parents exist is the caller's check (it needs the
// site).
func (c *TenantConfig) Validate(mailDomains []string) error {
	var v ValidationError
	add := func(field, format string, args ...any) {
		v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(c.Addresses) > MaxAddresses {
		add("addresses", "%d addresses; at most %d are allowed per site", len(c.Addresses), MaxAddresses)
	}
	seen := map[string]int{}
	for i, a := range c.Addresses {
		f := fmt.Sprintf("addresses[%d].", i)
		if msg := checkAddress(a.Address, mailDomains); msg != "" {
			add(f+"address", "%s", msg)
		} else if j, dup := seen[a.Address]; dup {
			add(f+"address", "%s is already listed as address %d", a.Address, j+1)
		} else {
			seen[a.Address] = i
		}
		if a.SpaceKey == "" {
			add(f+"spaceKey", "choose the space this address publishes to")
		} else if !validSpaceKey(a.SpaceKey) {
			add(f+"spaceKey", "%q is not a space key (letters and digits only)", a.SpaceKey)
		}
		if a.ParentID != "" && a.ParentType != ParentPage && a.ParentType != ParentFolder {
			add(f+"parentType", "%q is not a parent type; use %q or %q", a.ParentType, ParentPage, ParentFolder)
		}
		if a.ParentID != "" && !digitsOnly(a.ParentID) {
			add(f+"parentId", "%q is not a Confluence content id", a.ParentID)
		}
		if a.ContentType != ContentPage && a.ContentType != ContentBlogPost {
			add(f+"contentType", "%q is not a content type; use %q or %q", a.ContentType, ContentPage, ContentBlogPost)
		}
		if a.ContentType == ContentBlogPost && a.ParentID != "" {
			add(f+"parentId", "a blog post has no parent; remove the parent or publish pages")
		}
		if len(a.TitleFormat) > MaxTitleFormat {
			add(f+"titleFormat", "the title format is %d characters long; at most %d", len(a.TitleFormat), MaxTitleFormat)
		} else if hasControl(a.TitleFormat) {
			add(f+"titleFormat", "the title format holds a control or invisible direction character; type it again without")
		}
	}
	if c.Senders.Mode != SendersEveryone && c.Senders.Mode != SendersSecureOnly {
		add("senders.mode", "%q is not a mode; use %q or %q", c.Senders.Mode, SendersEveryone, SendersSecureOnly)
	}
	if len(c.Senders.Entries) > MaxSenderEntries {
		add("senders.entries", "%d entries; at most %d are allowed", len(c.Senders.Entries), MaxSenderEntries)
	}
	dupe := map[string]bool{}
	for i, e := range c.Senders.Entries {
		f := fmt.Sprintf("senders.entries[%d]", i)
		if msg := checkSenderEntry(e); msg != "" {
			add(f, "%s", msg)
		} else if dupe[e] {
			add(f, "%s is listed twice", e)
		}
		dupe[e] = true
	}
	if c.Spam.Action != SpamRefuse && c.Spam.Action != SpamMark {
		add("spam.action", "%q is not a spam action; use %q or %q", c.Spam.Action, SpamRefuse, SpamMark)
	}
	if c.Senders.Mode == SendersSecureOnly && len(c.Senders.Entries) == 0 {
		add("senders.entries", "only secure senders may send, but the list is empty: add a sender or let everyone send")
	}
	if len(v.Fields) > 0 {
		return &v
	}
	return nil
}

// ReservedLocalParts are the mailboxes a mail domain's operator keeps
// (RFC 2142 section 5 and 6, and the bounce sender): no site may register
// them under the service's domains.
var ReservedLocalParts = []string{"postmaster", "abuse", "hostmaster", "webmaster", "noc", "security", "mailer-daemon"}

// checkAddress returns why addr cannot be a receiving address, or "".
func checkAddress(addr string, mailDomains []string) string {
	local, domain, ok := strings.Cut(addr, "@")
	switch {
	case addr == "":
		return "enter an address, e.g. docs@" + firstOr(mailDomains, "example.com")
	case len(local) > 64:
		return fmt.Sprintf("the part before @ is %d characters long; at most 64 (RFC 5321)", len(local))
	case len(addr) > 254:
		return fmt.Sprintf("the address is %d characters long; at most 254", len(addr))
	case !ok || local == "" || !validLocal(local) || !validDomain(domain):
		return fmt.Sprintf("%q is not an email address (name@domain)", addr)
	}
	for _, r := range ReservedLocalParts {
		if local == r {
			return fmt.Sprintf("%s@ is reserved for this service's operator (RFC 2142); choose another name", local)
		}
	}
	if len(mailDomains) == 0 {
		return ""
	}
	for _, d := range mailDomains {
		if domain == d {
			return ""
		}
	}
	return fmt.Sprintf("%s is not one of this service's mail domains (%s)", domain, strings.Join(mailDomains, ", "))
}

// checkSenderEntry returns why e is not a sender entry, or "".
func checkSenderEntry(e string) string {
	switch {
	case e == "":
		return "enter a sender: name@domain, @domain or .domain"
	case strings.HasPrefix(e, "@"):
		if validDomain(e[1:]) {
			return ""
		}
	case strings.HasPrefix(e, "."):
		if validDomain(e[1:]) {
			return ""
		}
	default:
		local, domain, ok := strings.Cut(e, "@")
		if ok && validLocal(local) && validDomain(domain) {
			return ""
		}
	}
	return fmt.Sprintf("%q is not a sender entry: use name@domain, @domain or .domain", e)
}

// validLocal accepts RFC 5321 dot-atom local parts (section 4.1.2), without
// quoted strings, of at most 64 octets (section 4.5.3.1.1).
func validLocal(s string) bool {
	if s == "" || len(s) > 64 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			return false
		}
	}
	return true
}

// validDomain accepts a DNS name of two or more labels (RFC 1035 section
// 2.3.1 letters, digits and hyphens; at most 253 octets).
func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func validSpaceKey(s string) bool {
	if len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '~') {
			return false
		}
	}
	return true
}

// hasControl reports a control character or an invisible direction
// override (U+202A–U+202E, U+2066–U+2069), which would make a title lie
// about its text.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return true
		}
	}
	return false
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
