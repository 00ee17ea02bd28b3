package convert

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes is Confluence's limit on attachment file names.
const maxNameBytes = 255

// maxExtBytes bounds what counts as an extension when names are shortened.
const maxExtBytes = 16

// namer hands out sanitised file names that are unique within one page,
// comparing case-insensitively. It is not safe for concurrent use.
type namer struct {
	used    map[string]bool
	next    map[string]int // per name asked for: the suffix to try first, all below are taken
	unnamed map[string]int // per kind ("image", "attachment"): names generated so far
	renamed int            // names changed: path, characters, length or taken
	named   int            // files without a usable name, named after their type
}

func newNamer() *namer {
	return &namer{used: make(map[string]bool), next: make(map[string]int), unnamed: make(map[string]int)}
}

// name returns a unique, sanitised name for a file called filename of the
// given content type. An empty or unusable name becomes image-N.ext or
// attachment-N.ext with the extension taken from the content type.
func (n *namer) name(filename, contentType string) string {
	name := sanitizeName(filename)
	if name == "" {
		kind := "attachment"
		if strings.HasPrefix(strings.ToLower(contentType), "image/") {
			kind = "image"
		}
		n.unnamed[kind]++
		n.named++
		name = kind + "-" + strconv.Itoa(n.unnamed[kind]) + extensionFor(contentType)
		return n.unique(name)
	}
	out := n.unique(name)
	if out != filename {
		n.renamed++
	}
	return out
}

// warnings says how many names were changed or made up (counts only: the
// names themselves are content).
func (n *namer) warnings() []string {
	var w []string
	if n.renamed > 0 {
		w = append(w, strconv.Itoa(n.renamed)+" attachment name(s) changed to be safe and unique (a path, control characters, length, or a name already taken)")
	}
	if n.named > 0 {
		w = append(w, strconv.Itoa(n.named)+" attachment(s) without a usable file name named after their type")
	}
	return w
}

// reserve marks name as used, for names the caller has fixed (original.eml).
func (n *namer) reserve(name string) { n.used[strings.ToLower(name)] = true }

// unique returns name, or name with "-k" before its extension for the
// smallest k ≥ 1 that is free, and records it. The search for a name
// resumes where the last one for the same name stopped (names are never
// freed), so that n files of the same name take O(n) steps, not O(n²).
func (n *namer) unique(name string) string {
	base, ext := splitExt(name)
	candidate := name
	k := n.next[name]
	if k > 0 {
		candidate = withSuffix(base, ext, k)
	}
	for n.used[strings.ToLower(candidate)] {
		k++
		candidate = withSuffix(base, ext, k)
	}
	n.next[name] = k + 1
	n.used[strings.ToLower(candidate)] = true
	return candidate
}

// withSuffix returns base-k.ext within maxNameBytes.
func withSuffix(base, ext string, k int) string {
	suffix := "-" + strconv.Itoa(k)
	return truncateBytes(base, maxNameBytes-len(ext)-len(suffix)) + suffix + ext
}

// sanitizeName makes a file name safe to upload: the last path element only,
// valid UTF-8, no control or format characters, no leading dots or spaces,
// at most maxNameBytes bytes with the extension kept. It returns "" when
// nothing usable remains.
func sanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	if name == "" || name == "/" {
		return ""
	}
	base, ext := splitExt(name)
	return truncateBytes(base, maxNameBytes-len(ext)) + ext
}

// splitExt splits name into base and extension (with its dot). Long or empty
// "extensions" are part of the base.
func splitExt(name string) (base, ext string) {
	ext = path.Ext(name)
	if ext == name || len(ext) > maxExtBytes || len(ext) < 2 {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}

// truncateBytes shortens s to at most n bytes without splitting a rune.
func truncateBytes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// extensionFor returns a file extension for common content types, ".bin" for
// anything else. It uses its own table, not the system's MIME database, to
// stay free of I/O and deterministic.
func extensionFor(contentType string) string {
	switch strings.ToLower(strings.TrimSpace(contentType)) {
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/bmp":
		return ".bmp"
	case "image/tiff":
		return ".tiff"
	case "image/svg+xml":
		return ".svg"
	case "application/pdf":
		return ".pdf"
	case "message/rfc822":
		return ".eml"
	case "text/plain", "":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "application/zip":
		return ".zip"
	}
	return ".bin"
}
