package convert

import "testing"

func TestParseColour(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"#F00", "#ff0000", true},
		{" #1a2B3c ", "#1a2b3c", true},
		{"rgb(255, 0, 10)", "#ff000a", true},
		{"RGBA(0,128,255,0.5)", "#0080ff", true},
		{"rgba(0,0,0,0)", "", true},
		{"CornflowerBlue", "#6495ed", true},
		{"transparent", "", true},
		{"inherit", "", true},
		{"#ff000080", "", false},
		{"#ggg", "", false},
		{"rgb(256,0,0)", "", false},
		{"rgb(-1,0,0)", "", false},
		{"rgb(10%,0,0)", "", false},
		{"rgb(0 0 0 / 50%)", "", false},
		{"rgba(0,0,0,2)", "", false},
		{"red;background:url(x)", "", false},
		{"expression(alert(1))", "", false},
		{"var(--x)", "", false},
		{`re\64`, "", false},
		{"red/**/", "", false},
		{"hsl(0,100%,50%)", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := parseColour(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseColour(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLegacyAndBackgroundColour(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"ff8800": "#ff8800", "#FFF": "#ffffff", "navy": "#000080"} {
		if got, ok := legacyColour(in); !ok || got != want {
			t.Errorf("legacyColour(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"#eee url(https://x.example/bg.png) no-repeat", "#eeeeee", true},
		{"url(x) rgb(1, 2, 3)", "#010203", true},
		{"url(https://x.example/bg.png)", "", true},
		{"#eeeeeeee url(x)", "", false},
	}
	for _, tt := range tests {
		if got, ok := backgroundColour(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("backgroundColour(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePixels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		px          int
		percent, ok bool
	}{
		{"600", 600, false, true},
		{" 320PX ", 320, false, true},
		{"2000", 2000, false, true},
		{"2001", 0, false, false},
		{"0", 0, false, false},
		{"100%", 0, true, false},
		{"12.5px", 0, false, false},
		{"10em", 0, false, false},
		{"-5", 0, false, false},
		{"calc(100% - 2px)", 0, false, false},
	}
	for _, tt := range tests {
		px, pct, ok := parsePixels(tt.in)
		if px != tt.px || pct != tt.percent || ok != tt.ok {
			t.Errorf("parsePixels(%q) = %d, %v, %v; want %d, %v, %v", tt.in, px, pct, ok, tt.px, tt.percent, tt.ok)
		}
	}
}

func TestReadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ink, ground string
		want        bool
	}{
		{"#ffffff", "", false},
		{"#fefefe", "#ffffff", false},
		{"#ffffff", "#003366", true},
		{"#333333", "", true},
		{"#ff0000", "", true},
		{"#000000", "#000000", false},
	}
	for _, tt := range tests {
		if got := readable(tt.ink, tt.ground); got != tt.want {
			t.Errorf("readable(%q, %q) = %v, want %v", tt.ink, tt.ground, got, tt.want)
		}
	}
}

func TestBuiltStyle(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"color: #ff0000;":                             true,
		"background-color: #ffff00;":                  true,
		"color: #ff0000; background-color: #ffff00;":  true,
		"background-color: #ffff00; color: #ff0000;":  false,
		"color: red;":                                 false,
		"color: #FF0000;":                             false,
		"color: #ff0000":                              false,
		"color: #ff0000; ":                            false,
		"color: #ff0000;display:none":                 false,
		"color: #ff0000; background-color: #ffff00;x": false,
		"color: #ff0000;\" onmouseover=\"x":           false,
		"color: #ff0000; background-image: url(x);":   false,
		"":                                false,
		"color: #ff0000; color: #00ff00;": false,
		"background-color: #ffff00; background-color: ;": false,
	} {
		if got := builtStyle(v); got != want {
			t.Errorf("builtStyle(%q) = %v, want %v", v, got, want)
		}
	}
}
