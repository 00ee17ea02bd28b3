package convert

import (
	"math"
	"strconv"
	"strings"
)

// Inline CSS is attacker-controlled. The converter reads from it only the
// few properties that storage can express (text colour, background colour,
// width and height), each against a strict grammar, and writes them back
// rebuilt from the parsed values: a style attribute of the mail is never
// copied. The hiding properties are read by clean.go before this.

// maxPixels bounds the sizes read from mail (image width and height).
const maxPixels = 2000

// styleDecls returns the declarations of an inline style as lower-case
// property names and trimmed, lower-case values without !important; a
// later declaration of a property replaces an earlier one, as in CSS.
func styleDecls(style string) map[string]string {
	if strings.TrimSpace(style) == "" {
		return nil
	}
	decls := make(map[string]string)
	for _, decl := range strings.Split(style, ";") {
		prop, val, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		val = strings.ToLower(strings.TrimSpace(val))
		val = strings.TrimSpace(strings.TrimSuffix(val, "!important"))
		decls[strings.ToLower(strings.TrimSpace(prop))] = val
	}
	return decls
}

// parseColour reads a CSS colour: #rgb, #rrggbb, rgb(r, g, b) or
// rgba(r, g, b, a) with integer channels from 0 to 255 and alpha from 0 to
// 1, or a CSS named colour. It returns the colour as #rrggbb, or "" with
// ok true for the keywords that name no colour of their own (transparent,
// currentcolor, inherit, initial, unset, none, windowtext) and for a fully transparent
// rgba; ok is false for anything else, which is dropped.
func parseColour(v string) (colour string, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "transparent", "currentcolor", "inherit", "initial", "unset", "none",
		"windowtext", "canvastext": // system colours of the default text (Outlook writes windowtext)
		return "", true
	}
	if hex, found := strings.CutPrefix(v, "#"); found {
		return hexColour(hex)
	}
	if c, found := cssNamedColours[v]; found {
		return c, true
	}
	return rgbColour(v)
}

// hexColour reads the digits of #rgb or #rrggbb.
func hexColour(hex string) (string, bool) {
	for _, c := range hex {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return "", false
		}
	}
	switch len(hex) {
	case 3:
		return "#" + string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]}), true
	case 6:
		return "#" + hex, true
	}
	return "", false
}

// rgbColour reads rgb(r, g, b) or rgba(r, g, b, a).
func rgbColour(v string) (string, bool) {
	fn, rest, found := strings.Cut(v, "(")
	args, closed := strings.CutSuffix(rest, ")")
	if !found || !closed || (fn != "rgb" && fn != "rgba") {
		return "", false
	}
	parts := strings.Split(args, ",")
	if len(parts) != 3 && len(parts) != 4 {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('#')
	for _, p := range parts[:3] {
		n, ok := channel(strings.TrimSpace(p))
		if !ok {
			return "", false
		}
		b.WriteString(hexByte(n))
	}
	if len(parts) == 4 {
		a, ok := alpha(strings.TrimSpace(parts[3]))
		if !ok {
			return "", false
		}
		if a == 0 {
			return "", true
		}
	}
	return b.String(), true
}

// channel reads an integer colour channel from 0 to 255.
func channel(s string) (int, bool) {
	if s == "" || len(s) > 3 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= 255
}

// alpha reads an alpha value: a decimal number from 0 to 1.
func alpha(s string) (float64, bool) {
	if s == "" || len(s) > 8 || strings.Trim(s, "0123456789.") != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f >= 0 && f <= 1
}

func hexByte(n int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[n>>4], digits[n&15]})
}

// backgroundColour reads the colour of a background-color value or of a
// background shorthand (its colour token; images and positions are
// ignored). ok is false when a colour token is malformed.
func backgroundColour(v string) (string, bool) {
	if c, ok := parseColour(v); ok {
		return c, true
	}
	for _, tok := range cssTokens(v) {
		if c, ok := parseColour(tok); ok {
			return c, true
		}
		if strings.HasPrefix(tok, "#") || strings.HasPrefix(tok, "rgb") {
			return "", false
		}
	}
	return "", true
}

// cssTokens splits a CSS value at spaces outside parentheses.
func cssTokens(v string) []string {
	var toks []string
	depth, start := 0, 0
	for i := 0; i <= len(v); i++ {
		switch {
		case i == len(v) || (depth == 0 && (v[i] == ' ' || v[i] == '\t')):
			if i > start {
				toks = append(toks, v[start:i])
			}
			start = i + 1
		case v[i] == '(':
			depth++
		case v[i] == ')' && depth > 0:
			depth--
		}
	}
	return toks
}

// legacyColour reads a colour attribute (bgcolor, font color): a CSS
// colour, or six hex digits without the #, which browsers accept there.
func legacyColour(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) == 6 && !strings.HasPrefix(v, "#") {
		if c, ok := hexColour(v); ok {
			return c, true
		}
	}
	return parseColour(v)
}

// parsePixels reads a size in whole pixels ("600" or "600px") from 1 to
// maxPixels. percent reports a percentage, which storage cannot give an
// image; ok is false for anything else.
func parsePixels(v string) (px int, percent, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if num, found := strings.CutSuffix(v, "%"); found {
		n, err := strconv.Atoi(num)
		return 0, err == nil && n >= 0 && n <= 100, false
	}
	v = strings.TrimSuffix(v, "px")
	if v == "" || len(v) > 4 || strings.Trim(v, "0123456789") != "" {
		return 0, false, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPixels {
		return 0, false, false
	}
	return n, false, true
}

// luminance returns the relative luminance (WCAG 2) of a #rrggbb colour.
func luminance(c string) float64 {
	var l float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		n, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		s := float64(n) / 255
		if s <= 0.04045 {
			s /= 12.92
		} else {
			s = math.Pow((s+0.055)/1.055, 2.4)
		}
		l += weight * s
	}
	return l
}

// readable reports whether text of colour ink stays readable on colour
// ground ("" is the page's white): a WCAG contrast ratio of at least 1.5,
// well below what designers aim for, so that only near-invisible text
// (white on white, a light text whose dark background was lost) fails.
func readable(ink, ground string) bool {
	if ground == "" {
		ground = "#ffffff"
	}
	a, b := luminance(ink), luminance(ground)
	if a < b {
		a, b = b, a
	}
	return (a+0.05)/(b+0.05) >= 1.5
}

// spanStyle is the only style attribute the converter writes, on <span>:
// text colour, background (highlight) colour or both, each #rrggbb.
func spanStyle(colour, background string) string {
	var parts []string
	if colour != "" {
		parts = append(parts, "color: "+colour+";")
	}
	if background != "" {
		parts = append(parts, "background-color: "+background+";")
	}
	return strings.Join(parts, " ")
}
