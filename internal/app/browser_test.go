package app_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// browserMarker is the inline image's colour: a magenta that appears nowhere
// in the sandbox's stylesheet, so every pixel of it on a screenshot is the
// image.
var browserMarker = color.RGBA{R: 0xd6, G: 0x1f, B: 0x8c, A: 0xff}

const markerW, markerH = 120, 80

// TestBrowserShowsPublishedPage: a person opening a page published from an
// email in a real browser sees its title, its text, its inline image
// (decoded and painted, not just an <img> tag) and its attachments.
// Set MAILWIKI_SHOTS_DIR to keep the screenshots.
func TestBrowserShowsPublishedPage(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no %s (apt-get install -y --no-install-recommends chromium): the browser test needs headless Chromium", chromiumPath)
	}
	t.Parallel()
	b := setup(t, nil)

	var img bytes.Buffer
	if err := png.Encode(&img, solidImage(markerW, markerH, browserMarker)); err != nil {
		t.Fatal(err)
	}
	pdf := app.SamplePDF()
	const subject = "Browser check: Q3 chart"
	const bodyText = "The magenta rectangle below is the chart."
	msg := relatedMessage(subject,
		`<html><body><p>`+bodyText+`</p><p><img src="cid:chart@browser" alt="Q3 chart"></p><p>End of mail.</p></body></html>`,
		[]part{{ctype: "image/png", disposition: `inline; filename="chart.png"`, cid: "chart@browser", data: img.Bytes()}},
		[]part{{ctype: "application/pdf", disposition: `attachment; filename="report.pdf"`, data: pdf}})
	if err := send(t, b.main.SMTPAddr(), app.DemoAddress, msg); err != nil {
		t.Fatal(err)
	}
	b.waitLog(t, `"outcome":"published"`) // page and attachments are all there
	page := b.waitPages(t, 1, 20*time.Second)[0]
	if n := len(b.sandbox.Attachments(page.ID)); n != 2 {
		t.Fatalf("page %s has %d attachment(s), want 2", page.ID, n)
	}
	site := b.main.SandboxURL()
	pageURL := site + "/spaces/" + sandbox.DemoSpaceKey + "/pages/" + page.ID
	shots := shotsDir(t)

	// One browser load of the page: its DOM as built, and a screenshot.
	dom, shot := browse(t, pageURL, filepath.Join(shots, "page.png"))

	// The DOM: title, text, the image's source and the attachment list.
	for _, want := range []string{
		"<title>" + subject + " - mailwiki sandbox</title>",
		"<h1>" + subject + "</h1>",
		bodyText,
		`<img src="/wiki/download/attachments/` + page.ID + `/chart.png?`,
		`<h2>Attachments</h2>`,
		`>report.pdf</a>`,
		`>chart.png</a>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page DOM lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("page DOM:\n%s", dom)
	}

	// The pixels: the image was fetched, decoded and painted at its size.
	n, box := findColour(shot, browserMarker)
	if n < markerW*markerH*95/100 || box.Dx() != markerW || box.Dy() != markerH {
		t.Errorf("page screenshot: %d pixel(s) of the image's colour in %v, want a %dx%d rectangle (%d pixels)%s",
			n, box, markerW, markerH, markerW*markerH, keptAt(shots, "page.png"))
	}

	// Control: the index lists the page but shows no image, and the
	// detector must find nothing there.
	dom, index := browse(t, site+"/", filepath.Join(shots, "index.png"))
	if !strings.Contains(dom, ">"+subject+"</a>") {
		t.Errorf("index does not link the page %q:\n%s", subject, dom)
	}
	if n, box := findColour(index, browserMarker); n != 0 {
		t.Errorf("index screenshot: %d pixel(s) of the image's colour in %v, want none", n, box)
	}
}

func solidImage(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// findColour counts the pixels within a small tolerance of c and returns
// their bounding box.
func findColour(m image.Image, c color.RGBA) (int, image.Rectangle) {
	near := func(a, b uint8) bool { return a-b <= 6 || b-a <= 6 }
	// Screenshots are opaque, so RGBA and NRGBA bytes are the same; reading
	// Pix directly keeps a 1280x1024 scan fast under -race.
	var pix []uint8
	var stride int
	switch m := m.(type) {
	case *image.RGBA:
		pix, stride = m.Pix, m.Stride
	case *image.NRGBA:
		pix, stride = m.Pix, m.Stride
	default:
		rgba := image.NewRGBA(m.Bounds())
		draw.Draw(rgba, rgba.Bounds(), m, m.Bounds().Min, draw.Src)
		pix, stride = rgba.Pix, rgba.Stride
	}
	n := 0
	var box image.Rectangle
	bounds := m.Bounds()
	for y := 0; y < bounds.Dy(); y++ {
		row := pix[y*stride:]
		for x := 0; x < bounds.Dx(); x++ {
			p := row[4*x : 4*x+3]
			if near(p[0], c.R) && near(p[1], c.G) && near(p[2], c.B) {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return n, box
}

// keptAt tells where a screenshot can be looked at.
func keptAt(dir, name string) string {
	if os.Getenv("MAILWIKI_SHOTS_DIR") == "" {
		return " (set MAILWIKI_SHOTS_DIR to keep the screenshots)"
	}
	return "; see " + filepath.Join(dir, name)
}

// shotsDir is where screenshots go: MAILWIKI_SHOTS_DIR if set, else a
// temporary directory.
func shotsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MAILWIKI_SHOTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browse loads url once in headless Chromium and returns the DOM after the
// load event (images included) and a 1280x1024 screenshot, also saved to file.
func browse(t *testing.T, url, file string) (string, image.Image) {
	t.Helper()
	os.Remove(file)
	dom := chromium(t, "--dump-dom", "--screenshot="+file, "--window-size=1280,1024", "--force-device-scale-factor=1", "--hide-scrollbars", url)
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no screenshot of %s: %v", url, err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	return dom, m
}

// chromium runs headless Chromium with a fresh profile and args, within 60 s,
// and returns its standard output. The flags keep it off the network except
// for the pages asked for.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	profile, err := os.MkdirTemp("", "mailwiki-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + profile,
	}, args...)...)
	cmd.WaitDelay = 5 * time.Second // children holding the pipes open
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v (context: %v)\nstderr:\n%s", strings.Join(args, " "), err, ctx.Err(), stderr.String())
	}
	return stdout.String()
}
