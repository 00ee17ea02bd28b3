package htmlshape

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	small := Limits{MaxElements: 200, MaxDepth: 10, MaxDepthSum: 1000}
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"flat", strings.Repeat("<p>x</p>", 200), ""},
		{"too many", strings.Repeat("<p>x</p>", 201), "more than 200 elements"},
		{"deep", strings.Repeat("<div>", 11), "nested deeper than 10"},
		{"closed again", strings.Repeat("<div>", 10) + strings.Repeat("</div>", 10) + strings.Repeat("<div>", 9), ""},
		{"void elements do not nest", strings.Repeat("<br><img src=x><hr>", 30), ""},
		{"unclosed paragraphs", strings.Repeat("<p>x", 90), ""},
		{"div closes a paragraph", strings.Repeat("<p>x<div>y</div>", 40), ""},
		{"unclosed cells and rows", "<table>" + strings.Repeat("<tr><td>a<td>b<th>c", 20) + "</table>", ""},
		{"unclosed list items", "<ul>" + strings.Repeat("<li>a", 90) + "</ul>", ""},
		{"self-closed divs nest", strings.Repeat("<div/>", 11), "nested deeper than 10"},
		{"self-closed in svg do not", "<svg>" + strings.Repeat("<path/>", 50) + "</svg>", ""},
		{"depth sum", strings.Repeat("<b>", 9) + strings.Repeat("<i>x</i>", 100), "depth sum over 1000"},
		{"unmatched end tags walk the stack", strings.Repeat("<b>", 9) + strings.Repeat("</u>", 120), "depth sum over 1000"},
		{"script text is not markup", "<script>" + strings.Repeat("<div>", 50) + "</script>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Check(tt.src, small)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultsBelowParserLimit(t *testing.T) {
	t.Parallel()
	if d := (Limits{MaxDepth: 10000}).withDefaults(); d.MaxDepth > 500 {
		t.Errorf("MaxDepth %d: above what x/net/html accepts", d.MaxDepth)
	}
	if got := Check(strings.Repeat("<div>", 501), Limits{}); !strings.Contains(got, "deeper than 500") {
		t.Errorf("Check = %q", got)
	}
}
