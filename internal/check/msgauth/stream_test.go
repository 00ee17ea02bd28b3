package msgauth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

// lines is a reader of n bytes of CRLF-terminated text, made on the fly.
func lines(n int64) io.Reader {
	line := []byte("All work and no play makes a wiki page. 0123456789 abcdefghij\r\n")
	return io.LimitReader(&repeater{line: line}, n-n%int64(len(line)))
}

type repeater struct {
	line []byte
	off  int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.line[r.off:])
		n += c
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}

// countingReader counts the bytes read through it and calls onEOF (when
// set) the first time its reader reports io.EOF.
type countingReader struct {
	r     io.Reader
	n     int64
	eof   bool
	onEOF func()
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF && !c.eof {
		c.eof = true
		if c.onEOF != nil {
			c.onEOF()
		}
	}
	return n, err
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMessageStreamsALargeSignedMessageToEOFWithoutHoldingIt is not
// parallel: it measures the live heap, when the last byte is read, while
// it runs alone.
func TestMessageStreamsALargeSignedMessageToEOFWithoutHoldingIt(t *testing.T) {
	const bodySize = 32 << 20
	b := setup(t)
	exampleRSA.publish(t, b.dns)
	header := "From: alice@example.com\r\nTo: wiki@mailwiki.example\r\nSubject: big\r\n\r\n"
	signer, err := dkim.NewSigner(&dkim.SignOptions{Domain: exampleRSA.domain, Selector: exampleRSA.selector, Signer: rsaKey()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(signer, io.MultiReader(strings.NewReader(header), lines(bodySize))); err != nil {
		t.Fatal(err)
	}
	if err := signer.Close(); err != nil {
		t.Fatal(err)
	}
	var atEOF uint64
	msg := &countingReader{
		r:     io.MultiReader(strings.NewReader(signer.Signature()+header), lines(bodySize)),
		onEOF: func() { atEOF = liveHeap() },
	}

	before := liveHeap()
	got, err := b.checker.Message(context.Background(), spfNone, msg)

	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if !got.Authenticated || len(got.DKIM) != 1 || got.DKIM[0].Result != "pass" {
		t.Errorf("Message of a large signed message = %+v, want an authenticating DKIM pass", got)
	}
	if !msg.eof || msg.n < bodySize/2 {
		t.Errorf("Message read %d bytes, eof %v; want the whole message to EOF", msg.n, msg.eof)
	}
	if atEOF > before+bodySize/4 {
		t.Errorf("live heap grew from %d to %d bytes by the end of a %d-byte body; want it streamed, not held",
			before, atEOF, bodySize)
	}
}

func TestMessageDrainsAnUnsignedMessageToEOF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	msg := &countingReader{r: io.MultiReader(strings.NewReader(message("alice@example.com")), lines(1<<20))}
	if _, err := b.checker.Message(context.Background(), spfNone, msg); err != nil {
		t.Fatalf("Message: %v", err)
	}
	if !msg.eof {
		t.Errorf("Message stopped after %d bytes, before EOF", msg.n)
	}
}

func TestMessageWithAHeaderAndNoBodyIsChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.checker.Message(context.Background(), spfPassExample, strings.NewReader("From: alice@example.com\r\nSubject: x"))
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if got.HeaderFrom != "alice@example.com" || !got.Authenticated {
		t.Errorf("Message of a header-only message = %+v, want From alice@example.com authenticated by SPF", got)
	}
}

func TestMessageUnreadableIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	broken := errors.New("disk on fire")
	cases := map[string]io.Reader{
		"in the header": io.MultiReader(strings.NewReader("From: alice@example.com\r\n"), iotest.ErrReader(broken)),
		"in the body of a signed message": io.MultiReader(
			strings.NewReader(exampleRSA.sign(t, message("alice@example.com"))), iotest.ErrReader(broken)),
		"in the body of an unsigned message": io.MultiReader(
			strings.NewReader(message("alice@example.com")), iotest.ErrReader(broken)),
	}
	for name, msg := range cases {
		_, err := b.checker.Message(context.Background(), spfNone, msg)
		if !errors.Is(err, broken) {
			t.Errorf("Message with a read error %s: err = %v, want it wrapped", name, err)
		}
	}
}

func TestMessageWithAnOverlongHeaderIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var hdr bytes.Buffer
	for hdr.Len() <= msgauth.MaxHeaderBytes {
		hdr.WriteString("X-Filler: " + strings.Repeat("x", 1000) + "\r\n")
	}
	msg := io.MultiReader(&hdr, strings.NewReader("From: a@example.com\r\n\r\nbody\r\n"))
	_, err := b.checker.Message(context.Background(), spfNone, msg)
	if !errors.Is(err, msgauth.ErrHeaderTooLarge) {
		t.Errorf("Message with a %d-byte header: err = %v, want ErrHeaderTooLarge", hdr.Len(), err)
	}
}

// TestMessageReadErrorUnderSeveralSignaturesLeavesNoGoroutineBehind is not
// parallel: it counts the process's goroutines. go-msgauth verifies
// several signatures in goroutines fed through pipes.
func TestMessageReadErrorUnderSeveralSignaturesLeavesNoGoroutineBehind(t *testing.T) {
	b := setup(t)
	exampleRSA.publish(t, b.dns)
	exampleEd25519.publish(t, b.dns)
	signed := exampleEd25519.sign(t, exampleRSA.sign(t, message("alice@example.com")))
	broken := errors.New("connection reset")
	before := runtime.NumGoroutine()

	_, err := b.checker.Message(context.Background(), spfNone,
		io.MultiReader(strings.NewReader(signed), iotest.ErrReader(broken)))
	if !errors.Is(err, broken) {
		t.Errorf("Message with a read error: err = %v, want it wrapped", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Message, %d before: verifiers left blocked", n, before)
	}
}
