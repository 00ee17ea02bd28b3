package convert

import "testing"

func TestCheckStorage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty", "", true},
		{"paragraph", "<p>a &amp; b</p>", true},
		{"image attachment", `<ac:image ac:alt="x"><ri:attachment ri:filename="a.png"/></ac:image>`, true},
		{"link attachment", `<ac:link><ri:attachment ri:filename="a.pdf"/></ac:link>`, true},
		{"numeric reference", "<p>&#160;&#x2026;</p>", true},
		{"unclosed", "<p>a", false},
		{"misnested", "<b><i>x</b></i>", false},
		{"named entity", "<p>&nbsp;</p>", false},
		{"script", "<script>x</script>", false},
		{"event attribute", `<p onclick="x">a</p>`, false},
		{"style attribute", `<p style="x">a</p>`, false},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, false},
		{"comment", "<!-- x -->", false},
		{"closes wrapper", "</root><p>x</p><root>", false},
		{"unknown namespace", `<x:p xmlns:x="urn:x">a</x:p>`, false},
		{"macro not allowed", `<ac:structured-macro ac:name="html"/>`, false},
		{"empty filename", `<ac:link><ri:attachment ri:filename=""/></ac:link>`, false},
		{"data url image", `<ac:image><ri:url ri:value="data:image/png;base64,AA"/></ac:image>`, false},
		{"remote image url", `<ac:image><ri:url ri:value="https://x.example/a.png"/></ac:image>`, false},
		{"built span style", `<span style="color: #ff0000; background-color: #ffff00;">x</span>`, true},
		{"span style not built", `<span style="color: red;">x</span>`, false},
		{"style on a paragraph", `<p style="color: #ff0000;">x</p>`, false},
		{"cell highlight", `<td class="highlight-#ffcc00" data-highlight-colour="#ffcc00">x</td>`, true},
		{"cell highlight by name", `<td data-highlight-colour="red">x</td>`, false},
		{"other class", `<td class="confluenceTd">x</td>`, false},
		{"class on a span", `<span class="highlight-#ffcc00">x</span>`, false},
		{"image size", `<ac:image ac:width="600" ac:height="20" ac:align="left"><ri:attachment ri:filename="a.png"/></ac:image>`, true},
		{"image size in percent", `<ac:image ac:width="100%"><ri:attachment ri:filename="a.png"/></ac:image>`, false},
		{"image size too large", `<ac:image ac:width="20000"><ri:attachment ri:filename="a.png"/></ac:image>`, false},
		{"image size with unit", `<ac:image ac:height="20px"><ri:attachment ri:filename="a.png"/></ac:image>`, false},
		{"image align", `<ac:image ac:align="justify"><ri:attachment ri:filename="a.png"/></ac:image>`, false},
		{"control character", "<p>\x01</p>", false},
		{"doctype", "<!DOCTYPE html><p>x</p>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckStorage(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("CheckStorage(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}
