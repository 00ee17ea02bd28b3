package mailwiki_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// TestTenantConfigValidate: each kind of mistake is reported on its own
// field, with a sentence; a good configuration passes.
func TestTenantConfigValidate(t *testing.T) {
	t.Parallel()
	domains := []string{"wiki.example.com"}
	addr := func(a mailwiki.AddressConfig) mailwiki.TenantConfig {
		return mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{a}}
	}
	for _, c := range []struct {
		name  string
		cfg   mailwiki.TenantConfig
		field string // "" means valid
		says  string
	}{
		{"good", mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "Docs@Wiki.Example.com", SpaceKey: "DOCS", ParentID: "12"}},
			Senders: mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly, Entries: []string{"ann@x.org", "@y.org", ".z.org"}}}, "", ""},
		{"empty address", addr(mailwiki.AddressConfig{SpaceKey: "D"}), "addresses[0].address", "enter an address"},
		{"no at", addr(mailwiki.AddressConfig{Address: "docs", SpaceKey: "D"}), "addresses[0].address", "is not an email address"},
		{"foreign domain", addr(mailwiki.AddressConfig{Address: "docs@gmail.com", SpaceKey: "D"}), "addresses[0].address", "not one of this service's mail domains"},
		{"long local part", addr(mailwiki.AddressConfig{Address: strings.Repeat("a", 65) + "@wiki.example.com", SpaceKey: "D"}), "addresses[0].address", "at most 64"},
		{"reserved", addr(mailwiki.AddressConfig{Address: "abuse@wiki.example.com", SpaceKey: "D"}), "addresses[0].address", "reserved"},
		{"no space", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com"}), "addresses[0].spaceKey", "choose the space"},
		{"bad space key", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "A B"}), "addresses[0].spaceKey", "is not a space key"},
		{"parent id", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", ParentID: "x1"}), "addresses[0].parentId", "not a Confluence content id"},
		{"content type", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", ContentType: "wiki"}), "addresses[0].contentType", "not a content type"},
		{"blog parent", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", ContentType: "blogpost", ParentID: "3"}), "addresses[0].parentId", "a blog post has no parent"},
		{"title control", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", TitleFormat: "a\x00{subject}"}), "addresses[0].titleFormat", "control"},
		{"title override", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", TitleFormat: "\u202e{subject}"}), "addresses[0].titleFormat", "control"},
		{"title long", addr(mailwiki.AddressConfig{Address: "d@wiki.example.com", SpaceKey: "D", TitleFormat: strings.Repeat("x", 201)}), "addresses[0].titleFormat", "at most 200"},
		{"duplicate", mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: "d@wiki.example.com", SpaceKey: "D"}, {Address: "D@wiki.example.com", SpaceKey: "E"}}}, "addresses[1].address", "already listed"},
		{"sender form", mailwiki.TenantConfig{Senders: mailwiki.SenderList{Entries: []string{"@@x"}}}, "senders.entries[0]", "is not a sender entry"},
		{"sender twice", mailwiki.TenantConfig{Senders: mailwiki.SenderList{Entries: []string{"@x.org", "@X.org"}}}, "senders.entries[1]", "listed twice"},
		{"mode", mailwiki.TenantConfig{Senders: mailwiki.SenderList{Mode: "some"}}, "senders.mode", "is not a mode"},
		{"secure but empty", mailwiki.TenantConfig{Senders: mailwiki.SenderList{Mode: mailwiki.SendersSecureOnly}}, "senders.entries", "the list is empty"},
	} {
		cfg := c.cfg
		cfg.Normalize()
		err := cfg.Validate(domains)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var v *mailwiki.ValidationError
		if !errors.As(err, &v) || len(v.Fields) == 0 || v.Fields[0].Field != c.field || !strings.Contains(v.Fields[0].Message, c.says) {
			t.Errorf("%s: %v; want %s saying %q", c.name, err, c.field, c.says)
			continue
		}
		if e := v.AsError(); e.Code != mailwiki.EINVALID || !strings.HasPrefix(e.Message, c.field+": ") {
			t.Errorf("%s: AsError %+v", c.name, e)
		}
	}
}
