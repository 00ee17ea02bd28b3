package convert

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	_ "image/gif"  // register the decoder for DecodeConfig
	_ "image/jpeg" // register the decoder for DecodeConfig
	_ "image/png"  // register the decoder for DecodeConfig
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Decorations: the limits under which an inline image the body does not
// show is a signature logo, an icon or a tracking pixel rather than
// content.
const (
	maxLogoBytes  = 32 << 10
	maxLogoWidth  = 320
	maxLogoHeight = 160
)

// dropDecorations removes the files that are decoration, not content, and
// adds a warning per kind with the count: images the body does not show
// that are repeats of a file kept (same bytes), and inline images (with a
// Content-ID, not marked as attachments) the body does not show that are
// at most maxLogoWidth × maxLogoHeight pixels and maxLogoBytes: signature
// logos, social icons, tracking pixels. It must be called after the body
// is written: the indexes of fs change.
func (fs *fileSet) dropDecorations() {
	seen := make(map[[sha256.Size]byte]bool)
	var repeats, logos int
	files, shown := fs.files[:0:0], fs.shown[:0:0]
	for i, f := range fs.files {
		isImage := strings.HasPrefix(strings.ToLower(f.ContentType), "image/")
		var sum [sha256.Size]byte
		if isImage {
			sum = sha256.Sum256(f.Data)
		}
		switch {
		case fs.shown[i] || !isImage:
		case seen[sum]:
			repeats++
			continue
		case f.Inline && decoration(f):
			logos++
			continue
		}
		if isImage {
			seen[sum] = true
		}
		files, shown = append(files, f), append(shown, fs.shown[i])
	}
	fs.files, fs.shown = files, shown
	if repeats > 0 {
		fs.warnings = append(fs.warnings, fmt.Sprintf("%d repeated image(s) not attached again", repeats))
	}
	if logos > 0 {
		fs.warnings = append(fs.warnings, fmt.Sprintf("%d small inline image(s) not shown by the body (logos, icons, tracking pixels) dropped", logos))
	}
}

// decoration reports whether f is a small image: a logo, icon or pixel.
func decoration(f mailwiki.Attachment) bool {
	if len(f.Data) > maxLogoBytes {
		return false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data))
	return err == nil && cfg.Width <= maxLogoWidth && cfg.Height <= maxLogoHeight
}
