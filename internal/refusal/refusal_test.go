package refusal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want int
	}{
		{mailwiki.EUNAUTHORIZED, http.StatusUnauthorized},
		{mailwiki.EINVALID, http.StatusBadRequest},
		{mailwiki.ETOOLARGE, http.StatusRequestEntityTooLarge},
		{mailwiki.EFORBIDDEN, http.StatusForbidden},
		{mailwiki.EUNAVAILABLE, http.StatusServiceUnavailable},
		{mailwiki.ERATELIMIT, http.StatusServiceUnavailable},
		{mailwiki.EINTERNAL, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		err := fmt.Errorf("wrapped: %w", &mailwiki.Error{Code: tt.code})
		if got := Status(err); got != tt.want {
			t.Errorf("Status(%s) = %d, want %d", tt.code, got, tt.want)
		}
	}
	if got := Status(errors.New("plain")); got != http.StatusInternalServerError {
		t.Errorf("Status(plain error) = %d, want 500", got)
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusForbidden, "not yours")
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if body := rec.Body.String(); body != `{"error":"not yours"}`+"\n" {
		t.Errorf("body %q", body)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	errA, errB := errors.New("a"), errors.New("b")
	reasons := []Reason{{Err: errA, Text: "reason a"}, {Err: errB, Text: "reason b"}}
	refuse := func(reason string, err error) *mailwiki.Error {
		return &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: "refused: " + reason, Err: err}
	}
	kept := &mailwiki.Error{Code: mailwiki.EUNAUTHORIZED, Message: "key refused"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"first match wins", errors.Join(errB, errA), "refused: reason a"},
		{"second", fmt.Errorf("x: %w", errB), "refused: reason b"},
		{"no match", errors.New("other"), "refused: invalid token"},
		{"a mailwiki error is kept", fmt.Errorf("x: %w", errors.Join(errA, kept)), "key refused"},
	}
	for _, tt := range tests {
		got := Classify(tt.err, reasons, refuse)
		if msg := mailwiki.ErrorMessage(got); msg != tt.want {
			t.Errorf("%s: message %q, want %q", tt.name, msg, tt.want)
		}
	}
}

// TestLoggerFlood: Burst lines at WARN, the rest at DEBUG; once the limit
// allows again, the WARN line counts the suppressed ones.
func TestLoggerFlood(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLogger(log, func() time.Time { return now })
	const n = Burst + 5
	for range n {
		l.Log(context.Background(), "refused", "code", mailwiki.EUNAUTHORIZED)
	}
	now = now.Add(Every)
	l.Log(context.Background(), "refused")
	levels := map[string]int{}
	var last map[string]any
	for line := range strings.Lines(buf.String()) {
		last = nil
		if err := json.Unmarshal([]byte(line), &last); err != nil {
			t.Fatal(err)
		}
		levels[last["level"].(string)]++
	}
	if levels["WARN"] != Burst+1 || levels["DEBUG"] != n-Burst {
		t.Errorf("levels %v, want %d WARN and %d DEBUG", levels, Burst+1, n-Burst)
	}
	if got, _ := last["suppressed"].(float64); got != n-Burst {
		t.Errorf("last line %v: suppressed %v, want %d", last, last["suppressed"], n-Burst)
	}
}
