package smtpd

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/mailwiki/mailwiki/internal/metrics"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

func counterValue(t *testing.T, c interface{ Write(*dto.Metric) error }) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestLogsAndMetrics(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	m := metrics.New(nil, nil)
	h := &fakeHandler{unknown: map[string]bool{"nobody@wiki.test": true}}
	s := newServer(t, testConfig(), h, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), m)
	c := dial(t, s)
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "unknown", c.cmd("RCPT TO:<nobody@wiki.test>"), "550 ")
	expect(t, "RCPT", c.cmd("RCPT TO:<r@wiki.test>"), "250 ")
	expect(t, "DATA", c.cmd("DATA"), "354 ")
	c.send("Subject: secret subject line\r\n\r\nsecret body text\r\n.\r\n")
	expect(t, "end", c.reply(), "250 ")
	c.cmd("QUIT")
	c.closed()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if v := counterValue(t, m.Refused.WithLabelValues(ReasonUnknownRecipient)); v != 1 {
		t.Errorf("refused{unknown_recipient} = %v, want 1", v)
	}
	if v := counterValue(t, m.Accepted); v != 1 {
		t.Errorf("accepted = %v, want 1", v)
	}
	var g dto.Metric
	m.Connections.Write(&g)
	if v := g.GetGauge().GetValue(); v != 0 {
		t.Errorf("open connections after shutdown = %v, want 0", v)
	}
	sawRefusal, sawQueueID := false, false
	for _, rec := range logs.records(t) {
		if !strings.HasPrefix(rec["msg"].(string), "go-smtp") && rec["conn_id"] == nil {
			t.Errorf("log line without conn_id: %v", rec)
		}
		if rec["smtp_code"] == float64(550) && rec["reason"] == ReasonUnknownRecipient {
			sawRefusal = true
		}
		if rec["msg"] == "message accepted" && rec["queue_id"] != nil {
			sawQueueID = true
		}
	}
	if !sawRefusal || !sawQueueID {
		t.Errorf("refusal logged: %v, acceptance with queue_id logged: %v", sawRefusal, sawQueueID)
	}
	if raw := logs.b.String(); strings.Contains(raw, "secret") || strings.Contains(raw, "nobody@wiki.test") {
		t.Errorf("logs contain message content or addresses:\n%s", raw)
	}
}
