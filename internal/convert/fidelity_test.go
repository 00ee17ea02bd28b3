package convert

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// TestHTMLBodyFidelity: what a reader sees of colours, cell backgrounds,
// image sizes and table structure is kept as storage expresses it, and
// what must be dropped is counted in a warning.
func TestHTMLBodyFidelity(t *testing.T) {
	t.Parallel()
	atts := []mailwiki.Attachment{{Filename: "a.png", ContentType: "image/png", ContentID: "<p@x>", Inline: true, Data: []byte("png")}}
	tests := []struct {
		name, in, want, warning string
	}{
		{"span colour rebuilt", `<span style="COLOR: Red ; font-family:x">r</span>`,
			`<span style="color: #ff0000;">r</span>`, ""},
		{"font colour becomes a span", `<font color="#00f" face="Arial">b</font>`,
			`<span style="color: #0000ff;">b</span>`, ""},
		{"font without colour unwrapped", `<font face="Arial">b</font>`, "b", ""},
		{"colour inherited into nested elements once", `<span style="color:#123456">a<b>b</b></span>`,
			`<span style="color: #123456;">a<b>b</b></span>`, ""},
		{"block colour on its text", `<p style="color:rgb(0,128,0)">g <a href="https://x.example/">l</a></p>`,
			"<p><span style=\"color: #008000;\">g </span><a href=\"https://x.example/\"><span style=\"color: #008000;\">l</span></a></p>\n", ""},
		{"black is the page's colour", `<p style="color:rgb(0,0,0)">k</p>`, "<p>k</p>\n", ""},
		{"black inside another colour kept", `<span style="color:red">r<span style="color:#000">k</span></span>`,
			`<span style="color: #ff0000;">r<span style="color: #000000;">k</span></span>`, ""},
		{"inner colour overrides", `<div style="color:red">a<span style="color:blue">b</span></div>`,
			"<div><span style=\"color: #ff0000;\">a</span><span style=\"color: #0000ff;\">b</span></div>\n", ""},
		{"text highlight", `<span style="background-color:yellow">h</span>`,
			`<span style="background-color: #ffff00;">h</span>`, ""},
		{"colour and highlight", `<mark style="background:#ff0;color:#333">m</mark>`,
			`<span style="color: #333333; background-color: #ffff00;">m</span>`, ""},
		{"cell bgcolor", `<table><tr><td bgcolor="#FFCC00">c</td></tr></table>`,
			"<table><tbody><tr><td class=\"highlight-#ffcc00\" data-highlight-colour=\"#ffcc00\">c</td></tr>\n</tbody>\n</table>\n", ""},
		{"cell style background wins over bgcolor", `<table><tr><th style="background-color:#eee" bgcolor="red">h</th></tr></table>`,
			"<table><tbody><tr><th class=\"highlight-#eeeeee\" data-highlight-colour=\"#eeeeee\">h</th></tr>\n</tbody>\n</table>\n", ""},
		{"row colour inherited by cells", `<table><tr bgcolor="navy"><td>a</td><td bgcolor="red">b</td></tr><tr><td>c</td></tr></table>`,
			"<table><tbody><tr><td class=\"highlight-#000080\" data-highlight-colour=\"#000080\">a</td><td class=\"highlight-#ff0000\" data-highlight-colour=\"#ff0000\">b</td></tr>\n<tr><td>c</td></tr>\n</tbody>\n</table>\n", ""},
		{"white cell on the page not written", `<table bgcolor="#ffffff"><tr><td>w</td></tr></table>`,
			"<table><tbody><tr><td>w</td></tr>\n</tbody>\n</table>\n", ""},
		{"white text kept on a dark cell", `<table><tr><td bgcolor="#003366"><font color="#fff">btn</font></td></tr></table>`,
			"<table><tbody><tr><td class=\"highlight-#003366\" data-highlight-colour=\"#003366\"><span style=\"color: #ffffff;\">btn</span></td></tr>\n</tbody>\n</table>\n", ""},
		{"white text dropped where its background is lost", `<div style="background:#003366;color:#fff">hero</div>`,
			"<div>hero</div>\n", "1 runs of text lost their colour"},
		{"block background counted", `<div style="background-color:#eee">x</div>`,
			"<div>x</div>\n", "1 background colours dropped"},
		{"malformed colour counted", `<span style="color:expression(alert(1))">x</span><font color="javascript:x">y</font>`,
			"<span>x</span>y", "2 colours dropped"},
		{"css escape not a colour", `<span style="color:re\64">x</span>`, "<span>x</span>", "1 colours dropped"},
		{"other properties ignored silently", `<p style="font-family:Arial;padding:4px;text-align:center">p</p>`, "<p>p</p>\n", ""},
		{"image width and height", `<img src="cid:p@x" width="600" height="200">`,
			`<ac:image ac:width="600" ac:height="200"><ri:attachment ri:filename="a.png"/></ac:image>`, ""},
		{"image style size wins", `<img src="cid:p@x" width="600" style="width:300px;height:auto" align="right">`,
			`<ac:image ac:width="300" ac:align="right"><ri:attachment ri:filename="a.png"/></ac:image>`, ""},
		{"percent width falls back to the attribute", `<img src="cid:p@x" width="320" style="width:100%;max-width:320px">`,
			`<ac:image ac:width="320"><ri:attachment ri:filename="a.png"/></ac:image>`, ""},
		{"unusable image size counted", `<img src="cid:p@x" style="width:100%" height="99999">`,
			`<ac:image><ri:attachment ri:filename="a.png"/></ac:image>`, "2 image sizes dropped"},
		{"caption before the table, tfoot last as tbody", `<table><caption>Totals</caption><tfoot><tr><td>f</td></tr></tfoot><tbody><tr><td>b</td></tr></tbody></table>`,
			"<p><strong>Totals</strong></p>\n<table><tbody><tr><td>b</td></tr>\n</tbody>\n<tbody><tr><td>f</td></tr>\n</tbody>\n</table>\n", ""},
		{"colgroup dropped, spans kept", `<table><colgroup><col width="50%"><col></colgroup><tr><td colspan="2" rowspan="3">s</td></tr></table>`,
			"<table><tbody><tr><td colspan=\"2\" rowspan=\"3\">s</td></tr>\n</tbody>\n</table>\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, warnings, err := htmlBody(context.Background(), tt.in, newFileSet(atts), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("htmlBody(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if err := CheckStorage(got); err != nil {
				t.Errorf("CheckStorage: %v", err)
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

// TestNoMarkupInjection: whatever the encoding trick, mail content never
// yields a Confluence element other than the ac:image and ri:attachment
// the converter writes itself, nor a macro, nor a style it did not build.
func TestNoMarkupInjection(t *testing.T) {
	t.Parallel()
	const macro = `<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>`
	tests := []struct{ name, in string }{
		{"typed element", macro},
		{"upper case", `<AC:STRUCTURED-MACRO AC:NAME="html">x</AC:STRUCTURED-MACRO>`},
		{"declared namespace", `<p xmlns:ac="http://atlassian.com/content"><ac:structured-macro ac:name="html"/></p>`},
		{"old macro element", `<ac:macro ac:name="html"><ac:plain-text-body>x</ac:plain-text-body></ac:macro>`},
		{"remote image element", `<ac:image><ri:url ri:value="https://evil.example/x.png"/></ac:image>`},
		{"attachment element", `<ac:link><ri:attachment ri:filename="../../secret"/></ac:link>`},
		{"entities", `&lt;ac:structured-macro ac:name=&quot;html&quot;&gt;x&lt;/ac:structured-macro&gt;`},
		{"numeric entities", `&#60;ac:structured-macro&#62;&#x3c;ri:url/&#x3e;`},
		{"double encoded", `&amp;lt;ac:structured-macro&amp;gt;`},
		{"CDATA", `<![CDATA[` + macro + `]]>`},
		{"comment", `<!--` + macro + `-->x`},
		{"conditional comment", `<!--[if mso]>` + macro + `<![endif]-->x`},
		{"processing instruction", `<?xml-stylesheet href="x"?>` + macro},
		{"in svg", `<svg><ac:structured-macro ac:name="html"/></svg>`},
		{"in math", `<math><mi><ac:structured-macro ac:name="html"/></mi></math>`},
		{"in template", `<template>` + macro + `</template>x`},
		{"in textarea", `<textarea>` + macro + `</textarea>x`},
		{"in href", `<a href="https://x.example/&quot;&gt;` + macro + `">l</a>`},
		{"in alt", `<img src="cid:p@x" alt="&quot;/&gt;` + macro + `">`},
		{"in remote image alt", `<img src="https://x.example/i.png" alt="` + macro + `">`},
		{"in style", `<span style="color:red;&quot;&gt;` + macro + `">s</span>`},
		{"style closing the attribute", `<span style='color:red" onmouseover="alert(1)'>s</span>`},
		{"in font color", `<font color='red"><ac:structured-macro ac:name="html"/>'>f</font>`},
		{"in bgcolor", `<table><tr><td bgcolor='#fff" class="x'>` + macro + `</td></tr></table>`},
		{"in caption", `<table><caption>` + macro + `</caption><tr><td>c</td></tr></table>`},
		{"in colspan", `<table><tr><td colspan='2"><ac:structured-macro/>'>c</td></tr></table>`},
		{"in pre", `<pre>` + macro + `</pre>`},
		{"in title", `<title>` + macro + `</title><p>x</p>`},
		{"class and data attributes", `<td class="highlight-#ff0000" data-highlight-colour="#ff0000" data-macro-name="html">x</td>`},
		{"image size text", `<img src="cid:p@x" width='1"><ac:structured-macro/>' style="width:1px&quot;&gt;">`},
		{"base64 in a data url", `<img src="data:text/html;base64,PGFjOnN0cnVjdHVyZWQtbWFjcm8gYWM6bmFtZT0iaHRtbCIvPg==">`},
		{"nul and controls", "<ac:\x00structured-macro>\x01" + macro},
	}
	atts := []mailwiki.Attachment{{Filename: "a.png", ContentType: "image/png", ContentID: "<p@x>", Inline: true, Data: []byte("png")}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, _, err := htmlBody(context.Background(), tt.in, newFileSet(atts), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckStorage(got); err != nil {
				t.Fatalf("CheckStorage: %v\n%s", err, got)
			}
			checkOnlyOwnMarkup(t, got)
		})
	}
}

// checkOnlyOwnMarkup asserts that storage holds no ac: or ri: element but
// ac:image, ac:link (the attachment list) and ri:attachment, hence no
// macro, and no style but spanStyle's (CheckStorage already enforces the
// allowlist; this names the injection targets).
func checkOnlyOwnMarkup(t *testing.T, storage string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(`<root xmlns:ac="` + nsAC + `" xmlns:ri="` + nsRI + `">` + storage + `</root>`))
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		name, _ := prefixed(se.Name)
		if (se.Name.Space == nsAC && name != "ac:image" && name != "ac:link") || (se.Name.Space == nsRI && name != "ri:attachment") {
			t.Errorf("element <%s> injected into %q", name, storage)
		}
		for _, a := range se.Attr {
			if a.Name.Local == "style" && !builtStyle(a.Value) {
				t.Errorf("style %q not built by the writer", a.Value)
			}
		}
	}
}
