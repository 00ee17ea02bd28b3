package sandbox

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// faults holds the injected failures. They apply to API calls and
// downloads only. Safe for concurrent use.
type faults struct {
	mu         sync.Mutex
	status     int
	remaining  int
	retryAfter time.Duration
	latency    time.Duration
}

// injected is what one call must suffer.
type injected struct {
	latency    time.Duration
	status     int // 0: no failure
	retryAfter time.Duration
}

// take consumes one forced failure, if any are left.
func (f *faults) take() injected {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := injected{latency: f.latency}
	if f.remaining > 0 {
		f.remaining--
		in.status, in.retryAfter = f.status, f.retryAfter
	}
	return in
}

// FailNext makes the next count API calls answer status, with a Retry-After
// header of retryAfter (rounded up to whole seconds) when it is positive. It
// replaces any failures still pending.
func (s *Sandbox) FailNext(status, count int, retryAfter time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.status, s.faults.remaining, s.faults.retryAfter = status, count, retryAfter
}

// SetLatency delays every API call by d before it is handled (or failed).
func (s *Sandbox) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = d
}

// ClearFaults removes pending failures and latency.
func (s *Sandbox) ClearFaults() {
	s.FailNext(0, 0, 0)
	s.SetLatency(0)
}

// suffer applies the injected latency and failure to one call. It reports
// whether the call was answered (failed) and must not be handled.
func (s *Sandbox) suffer(w http.ResponseWriter, r *http.Request, f flavour) bool {
	in := s.faults.take()
	if err := sleep(r.Context(), in.latency); err != nil {
		return true // the client went away; nobody reads an answer
	}
	if in.status == 0 {
		return false
	}
	if in.retryAfter > 0 {
		secs := int(math.Ceil(in.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeStatus(w, f, in.status, http.StatusText(in.status), nil)
	return true
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// faultRequest is the body of POST /sandbox/faults.
type faultRequest struct {
	Status     int     `json:"status"`
	Count      int     `json:"count"`
	RetryAfter float64 `json:"retry_after"` // seconds
	LatencyMS  int     `json:"latency_ms"`
}

// postFaults sets the faults from JSON. It needs no authentication: it is a
// control endpoint of a local sandbox.
func (s *Sandbox) postFaults(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "invalid fault JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	if msg := req.problem(); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	s.FailNext(req.Status, req.Count, time.Duration(req.RetryAfter*float64(time.Second)))
	s.SetLatency(time.Duration(req.LatencyMS) * time.Millisecond)
	w.WriteHeader(http.StatusNoContent)
}

// problem returns what is wrong with the request, or "".
func (req faultRequest) problem() string {
	switch {
	case req.Count < 0 || req.RetryAfter < 0 || req.LatencyMS < 0:
		return "count, retry_after and latency_ms must not be negative"
	case req.Count > 0 && (req.Status < 400 || req.Status > 599):
		return "status must be an HTTP error status (400-599) when count is positive"
	}
	return ""
}

func (s *Sandbox) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}
