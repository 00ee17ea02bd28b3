package mailparse

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/mailparse/hostile"
)

// checkLimitError asserts err is the permanent ETOOLARGE limit error whose
// safe message contains want and quotes nothing of the message.
func checkLimitError(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, ErrLimit) || mailwiki.ErrorCode(err) != mailwiki.ETOOLARGE || mailwiki.IsTemporary(err) {
		t.Fatalf("err = %v (code %q, temporary %v), want a permanent %q limit error",
			err, mailwiki.ErrorCode(err), mailwiki.IsTemporary(err), mailwiki.ETOOLARGE)
	}
	msg := mailwiki.ErrorMessage(err)
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not name the limit %q", msg, want)
	}
	for _, content := range []string{"Mallory", "hostile", "example.org", "QUJD"} {
		if strings.Contains(err.Error(), content) {
			t.Errorf("error %q quotes message content %q", err, content)
		}
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"nested multiparts", hostile.NestedMultipart(8000), "nesting deeper than 50 levels"},
		{"one level too deep", hostile.NestedMultipart(50), "nesting deeper than 50 levels"},
		{"sibling parts", hostile.SiblingParts(80000), "more than 1000 MIME parts"},
		{"one part too many", hostile.SiblingParts(1001), "more than 1000 MIME parts"},
		{"inline images", hostile.CIDImages(9000), "more than 1000 MIME parts"},
		{"long header", hostile.LongHeader(8 << 20), "header block larger than 1048576 bytes"},
		{"many header fields", hostile.ManyHeaders(200000), "header block larger"},
		{"many addresses", hostile.ManyAddresses(100000), "header block larger"},
		{"many parameters", hostile.ManyParams(5000), "Content-Type or Content-Disposition field"},
		{"text parts to join", hostile.TextParts(200, 20<<10), "text parts of"},
		{"content deep inside", hostile.DeepAttachment(20, 4<<20), "nested multiparts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := ParseContext(context.Background(), tt.raw, Limits{})
			if msg != nil {
				t.Errorf("message returned with the error")
			}
			checkLimitError(t, err, tt.want)
		})
	}
}

func TestParseJustWithinLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  []byte
	}{
		{"50 levels", hostile.NestedMultipart(49)},
		{"1000 parts", hostile.SiblingParts(1000)},
		{"content 2 levels deep", hostile.DeepAttachment(3, 4<<20)},
		{"two large text parts", hostile.TextParts(2, 4<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := ParseContext(context.Background(), tt.raw, Limits{})
			if err != nil {
				t.Fatalf("ParseContext: %v", err)
			}
			if msg.Text == "" && len(msg.Attachments) == 0 {
				t.Errorf("nothing parsed: %+v", msg)
			}
		})
	}
}

func TestParseLimitsAreConfigurable(t *testing.T) {
	t.Parallel()
	_, err := ParseContext(context.Background(), hostile.NestedMultipart(3), Limits{MaxDepth: 3})
	checkLimitError(t, err, "nesting deeper than 3 levels")
	_, err = ParseContext(context.Background(), hostile.SiblingParts(5), Limits{MaxParts: 4})
	checkLimitError(t, err, "more than 4 MIME parts")
	if _, err := ParseContext(context.Background(), hostile.SiblingParts(2000), Limits{MaxParts: 2000}); err != nil {
		t.Errorf("2000 parts with MaxParts 2000: %v", err)
	}
	// Content nested three levels deep on average is allowed whatever its
	// size (the cost stays linear); deeper is not.
	if _, err := ParseContext(context.Background(), hostile.DeepAttachment(3, 1<<20), Limits{MaxNestedBytes: 1}); err != nil {
		t.Errorf("1 MB three levels deep: %v", err)
	}
	_, err = ParseContext(context.Background(), hostile.DeepAttachment(4, 1<<20), Limits{MaxNestedBytes: 1})
	checkLimitError(t, err, "too much content inside nested multiparts")
}

func TestParseCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ParseContext(ctx, crlf("Subject: s\n\nbody\n"), Limits{})
	checkInterrupted(t, err)
}

// failingCtx is a context whose Err turns Canceled after a number of calls,
// to stop a parse part-way through.
type failingCtx struct {
	context.Context
	calls, after atomic.Int64
}

func (c *failingCtx) Err() error {
	if c.calls.Add(1) > c.after.Load() {
		return context.Canceled
	}
	return nil
}

func TestParseCanceledWhileReading(t *testing.T) {
	t.Parallel()
	ctx := &failingCtx{Context: context.Background()}
	ctx.after.Store(3)
	_, err := ParseContext(ctx, hostile.DeepAttachment(2, 1<<20), Limits{})
	checkInterrupted(t, err)
	if n := ctx.calls.Load(); n > 10 {
		t.Errorf("the context was consulted %d times after it was done", n)
	}
}

func checkInterrupted(t *testing.T, err error) {
	t.Helper()
	if !mailwiki.IsTemporary(err) || mailwiki.ErrorCode(err) != mailwiki.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v (code %q), want a temporary %q error with context.Canceled",
			err, mailwiki.ErrorCode(err), mailwiki.EUNAVAILABLE)
	}
	if errors.Is(err, ErrLimit) {
		t.Errorf("cancellation reported as a limit: %v", err)
	}
}

func TestParseDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := ParseContext(ctx, hostile.SiblingParts(10), Limits{})
	if !mailwiki.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want temporary with DeadlineExceeded", err)
	}
}

func TestCharsetDetectionBudget(t *testing.T) {
	t.Parallel()
	// こんにちは世界 in Shift_JIS, without a charset parameter.
	raw := crlf("Subject: c\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n" +
		strings.Repeat("\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x90\xa2\x8aE", 30) + "\n")
	within, err := ParseContext(context.Background(), raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	over, err := ParseContext(context.Background(), raw, Limits{MaxDetectBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(within.Text, "こんにちは") {
		t.Errorf("within the budget the charset is not detected: %q", within.Text[:20])
	}
	if !strings.HasPrefix(over.Text, "\x82\xb1") || !hasWarning(over, "charset detection skipped") {
		t.Errorf("over the budget: text %q, warnings %q; want the bytes kept and a warning", over.Text[:20], over.Warnings)
	}
}

func TestHTMLTooCostlyForText(t *testing.T) {
	t.Parallel()
	msg, err := ParseContext(context.Background(), hostile.NestedHTML(100000), Limits{})
	if err != nil {
		t.Fatalf("ParseContext: %v", err)
	}
	if msg.Text != "" || !strings.Contains(msg.HTML, "deep") {
		t.Errorf("Text %q, HTML %d bytes: want no text and the HTML kept", msg.Text, len(msg.HTML))
	}
	if !hasWarning(msg, "HTML body not turned into text: HTML body nested deeper than 500 elements") {
		t.Errorf("Warnings = %q", msg.Warnings)
	}
}

// TestNestedPartWarnings guards the enmime v2.4.0 change: part errors deep
// in the tree must still reach Message.Warnings.
func TestNestedPartWarnings(t *testing.T) {
	t.Parallel()
	raw := crlf(`Subject: w
Content-Type: multipart/mixed; boundary="a"

--a
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: multipart/related; boundary="c"

--c
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: x-unknown-encoding

text
--c--
--b--
--a--
`)
	msg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(msg, "part problem: ") {
		t.Errorf("Warnings = %q, want the nested part's encoding problem", msg.Warnings)
	}
}

// TestBrokenBase64AttachmentKept guards enmime v2.4's read-part policy
// change: an attachment with stray characters in its base64 keeps what
// decoded, with a warning, as with v2.3.
func TestBrokenBase64AttachmentKept(t *testing.T) {
	t.Parallel()
	raw := crlf(`Subject: b
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

see file
--m
Content-Type: application/msword; name="some.doc"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="some.doc"

PGh0*bWw+Cg==
--m--
`)
	msg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Attachments) != 1 || string(msg.Attachments[0].Data) != "<html>\n" {
		t.Errorf("Attachments = %+v, want some.doc with what decoded", msg.Attachments)
	}
	if !hasWarning(msg, "part problem: Malformed Base64") {
		t.Errorf("Warnings = %q", msg.Warnings)
	}
}

func hasWarning(msg *mailwiki.Message, prefix string) bool {
	for _, w := range msg.Warnings {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

// TestScanSeesNesting checks the pre-pass follows the structure in the
// forms enmime accepts, so that it cannot be bypassed: each variant still
// nests for enmime (its bottom text is reached) and is refused beyond
// MaxDepth.
func TestScanSeesNesting(t *testing.T) {
	t.Parallel()
	base := string(hostile.NestedMultipart(10))
	tests := []struct {
		name string
		raw  string
	}{
		{"crlf", base},
		{"lf only", strings.ReplaceAll(base, "\r\n", "\n")},
		{"folded lower-case field", strings.ReplaceAll(base, "Content-Type: multipart/mixed; boundary=", "content-type:  multipart/mixed;\r\n\tboundary=")},
		{"unquoted boundaries", strings.ReplaceAll(strings.ReplaceAll(base, "boundary=\"", "boundary="), "\"\r\n", "\r\n")},
		{"trailing blanks on delimiters", strings.ReplaceAll(base, "\r\nContent-Type", " \t\r\nContent-Type")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := ParseContext(context.Background(), []byte(tt.raw), Limits{MaxDepth: 100})
			if err != nil || !strings.Contains(msg.Text, "bottom") {
				t.Fatalf("variant does not nest for enmime: %v", err)
			}
			_, err = ParseContext(context.Background(), []byte(tt.raw), Limits{MaxDepth: 5})
			checkLimitError(t, err, "nesting deeper than 5 levels")
		})
	}
}
