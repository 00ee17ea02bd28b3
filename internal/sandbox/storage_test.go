package sandbox

import (
	"strings"
	"testing"
)

func TestValidateStorage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		value   string
		wantErr string // "" for valid
	}{
		{"empty", "", ""},
		{"text only", "hello", ""},
		{"several top-level elements", "<p>a</p><p>b</p>text<h1>c</h1>", ""},
		{"named HTML entities", "<p>a&nbsp;b &eacute; &copy; &amp; &lt;</p>", ""},
		{"numeric entities", "<p>&#233;&#x263A;</p>", ""},
		{"self-closing", "<p>a<br/>b</p><hr/>", ""},
		{"cdata", "<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[if a < b && c {}]]></ac:plain-text-body></ac:structured-macro>", ""},
		{"image macro", `<ac:image ac:alt="x"><ri:attachment ri:filename="a.png"/></ac:image>`, ""},
		{"link to attachment", `<ac:link><ri:attachment ri:filename="a.pdf"/><ac:plain-text-link-body><![CDATA[the pdf]]></ac:plain-text-link-body></ac:link>`, ""},
		{"comment", "<p>a<!-- note --></p>", ""},
		{"unclosed tag", "<p>hello", "closed by"},
		{"bad nesting", "<p><b>x</p></b>", "closed by </p>"},
		{"stray ampersand", "<p>fish & chips</p>", "&"},
		{"unknown entity", "<p>&bogus;</p>", "bogus"},
		{"less-than in text", "<p>a < b</p>", "line 1"},
		{"bare attribute", "<td nowrap>x</td>", "attribute"},
		{"unquoted attribute", "<td colspan=2>x</td>", "unquoted"},
		{"stray end tag", "</p>", "closed by </p>"},
		{"escape from wrapper", "</" + storageRoot + "><" + storageRoot + ">", "after the end of the body"},
		{"text after wrapper", "</" + storageRoot + ">tail", "after the end of the body"},
		{"doctype", "<!DOCTYPE html><p>x</p>", "directive"},
		{"processing instruction", "<?php echo 1 ?><p>x</p>", "processing instruction"},
		{"html void element not closed", "<p>a<br>b</p>", "closed by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateStorage(tc.value)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ValidateStorage(%q) = %v, want nil", tc.value, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("ValidateStorage(%q) = nil, want error containing %q", tc.value, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("ValidateStorage(%q) = %q, want it to contain %q", tc.value, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), storageRoot) {
				t.Fatalf("error %q leaks the wrapper's name", err)
			}
		})
	}
}
