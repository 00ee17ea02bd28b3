package convert

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		drop           dropped
	}{
		{"nothing to clean", "plain text, 日本語\ttab\r\n", "plain text, 日本語\ttab\r\n", dropped{}},
		{"C0 controls", "a\x00b\x01c\x1bd\x7fe", "abcde", dropped{controls: 4}},
		{"C1 controls", "quote\u0093d\u0094 \u0085next", "quoted next", dropped{controls: 3}},
		{"tab and newlines kept", "a\tb\nc\r\nd", "a\tb\nc\r\nd", dropped{}},
		{"zero-width run", "pre\u200B\u200B\u200Bheader", "preheader", dropped{filler: 3}},
		{"spaced filler run", "Hello \u034F \u200C \u034F \u200C world", "Hello   world", dropped{filler: 4}},
		{"nbsp separated run", "x\u200C\u00A0\u200C\u00A0\u200Cy", "x y", dropped{filler: 3}},
		{"all filler kinds", "\u200B\u200C\u200D\uFEFF\u034F\u00AD", "", dropped{filler: 6}},
		{"BOM alone dropped", "\uFEFFSubject line", "Subject line", dropped{filler: 1}},
		{"emoji joiner kept", "👩\u200D💻 at work", "👩\u200D💻 at work", dropped{}},
		{"soft hyphen in a word kept", "Donau\u00ADdampf", "Donau\u00ADdampf", dropped{}},
		{"non-joiner in Persian kept", "می\u200Cخواهم", "می\u200Cخواهم", dropped{}},
		{"invalid UTF-8 left for escaping", "a\xffb\u0085", "a\xffb", dropped{controls: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, d := cleanText(tt.in)
			if got != tt.want || d != tt.drop {
				t.Errorf("cleanText(%q) = %q, %+v; want %q, %+v", tt.in, got, d, tt.want, tt.drop)
			}
		})
	}
}

func TestHiddenStyle(t *testing.T) {
	t.Parallel()
	for style, want := range map[string]bool{
		"display:none":                          true,
		"DISPLAY: None !important":              true,
		"color:#fff;display:none;font-size:1px": true,
		"visibility:hidden":                     true,
		"opacity:0":                             true,
		"opacity: 0.0":                          true,
		"max-height:0px;overflow:hidden":        true,
		"max-height: 0":                         true,
		"mso-hide:all;max-height:0;opacity:0":   true,
		"display:block":                         false,
		"opacity:0.5":                           false,
		"max-height:10px":                       false,
		"font-size:0":                           false, // a layout trick, not hiding
		"color:red":                             false,
		"":                                      false,
		"display":                               false,
		"background:url(x) none":                false,
		"max-height:none":                       false,
		"display:none-ish":                      false,
		"visibility:visible;color:blue;max-height:200px;x": false,
	} {
		if got := hiddenStyle(style); got != want {
			t.Errorf("hiddenStyle(%q) = %v, want %v", style, got, want)
		}
	}
}

// TestHTMLBodyDropsHidden: preheaders and other invisible elements are
// dropped with a warning; visible text around them stays.
func TestHTMLBodyDropsHidden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, html, want string
		warning          string
	}{
		{"display none div", `<div style="display:none">Preview secret</div><p>Body</p>`, "<p>Body</p>\n", "1 hidden HTML elements"},
		{"gmail preheader span", `<span style="color:transparent;display:none!important;height:0;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;visibility:hidden;width:0">Preview secret</span><p>Body</p>`, "<p>Body</p>\n", "1 hidden"},
		{"max-height only", `<div style="max-height:0;overflow:hidden">Preview secret<p>nested</p></div><p>Body</p>`, "<p>Body</p>\n", "1 hidden"},
		{"opacity in a table cell", `<table><tr><td style="opacity:0">Preview secret</td><td>Body</td></tr></table>`, "<table><tbody><tr><td>Body</td></tr>\n</tbody>\n</table>\n", "1 hidden"},
		{"hidden attribute", `<p hidden>Preview secret</p><p>Body</p>`, "<p>Body</p>\n", "1 hidden"},
		{"two preheaders", `<div style="display:none">Preview secret</div><div style="display:none">secret two</div><p>Body</p>`, "<p>Body</p>\n", "2 hidden"},
		{"filler after the preheader", `<div style="display:none">Preview secret</div><p>Body&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&#847; end</p>`, "<p>Body  end</p>\n", "4 zero-width filler"},
		{"visible colour kept, style rebuilt", `<p style="color:red;display:block;opacity:1">Body</p>`, "<p><span style=\"color: #ff0000;\">Body</span></p>\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, warnings, err := htmlBody(context.Background(), tt.html, newFileSet(nil), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("htmlBody(%q)\n got %q\nwant %q", tt.html, got, tt.want)
			}
			if strings.Contains(got, "secret") || strings.Contains(got, "display") || strings.Contains(got, "opacity") {
				t.Errorf("hidden content or style in %q", got)
			}
			if tt.warning != "" && !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("warnings %q, want one with %q", warnings, tt.warning)
			}
			if tt.warning == "" && len(warnings) > 0 {
				t.Errorf("warnings %q, want none", warnings)
			}
		})
	}
}

// TestControlCharactersNeverReachStorage: C0 and C1 controls in the text
// and in the HTML body are dropped, with a warning.
func TestControlCharactersNeverReachStorage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  mailwiki.Message
		want string
	}{
		{"C0 in text", mailwiki.Message{Text: "a\x01b\x1fc\x00d"}, "<p>abcd</p>\n"},
		{"C1 in text", mailwiki.Message{Text: "\u0091quoted\u0092 \u009fx"}, "<p>quoted x</p>\n"},
		{"DEL and form feed in text", mailwiki.Message{Text: "a\x7fb\x0cc"}, "<p>abc</p>\n"},
		{"C0 in HTML", mailwiki.Message{HTML: "<p>a\x01b\x08c</p>"}, "<p>abc</p>\n"},
		{"C1 in HTML", mailwiki.Message{HTML: "<p>\u0093x\u0094 &#x81;y</p>"}, "<p>x y</p>\n"},
		{"C1 in a link's text", mailwiki.Message{HTML: "<a href=\"https://x.example/\">a\u0080b</a>"}, "<a href=\"https://x.example/\">ab</a>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Convert(&tt.msg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkDraft(t, d)
			checkNoControls(t, d.Storage)
			if d.Storage != tt.want {
				t.Errorf("storage %q, want %q", d.Storage, tt.want)
			}
			if !slices.ContainsFunc(d.Warnings, func(w string) bool { return strings.Contains(w, "control characters dropped") }) {
				t.Errorf("warnings %q, want control characters dropped", d.Warnings)
			}
		})
	}
}

// checkNoControls asserts storage holds no C0 (but tab, newline, CR), C1
// or DEL character.
func checkNoControls(t testing.TB, storage string) {
	t.Helper()
	if i := strings.IndexFunc(storage, control); i >= 0 {
		t.Errorf("control character %U in storage at %d", []rune(storage[i:])[0], i)
	}
}
