package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFailNextThenSuccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.FailNext(http.StatusServiceUnavailable, 3, 0)
	for i := range 3 {
		_, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 503, undocumented: true})
		if e := v2ErrorOf(t, data); e.Status != 503 || e.Code != "SERVICE_UNAVAILABLE" {
			t.Fatalf("call %d: %s", i, data)
		}
	}
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 200})
}

func TestFaultsHitV1AndDownloadsButNotControlOrHTML(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.FailNext(http.StatusBadGateway, 100, 0)
	resp, data := b.call(t, request{method: "GET", path: "/wiki/rest/api/space/DEMO"})
	checkStatus(t, resp, data, 502)
	mustContain(t, string(data), `"statusCode":502`)
	resp, data = b.call(t, request{method: "GET", path: "/wiki/download/attachments/1/x.png", auth: "-"})
	checkStatus(t, resp, data, 502)
	resp, data = b.call(t, request{method: "GET", path: "/wiki/", auth: "-"})
	checkStatus(t, resp, data, 200)
	resp, data = b.call(t, request{method: "DELETE", path: "/sandbox/faults", auth: "-"})
	checkStatus(t, resp, data, 204)
	resp, data = b.call(t, request{method: "GET", path: "/wiki/rest/api/space/DEMO"})
	checkStatus(t, resp, data, 200)
}

func TestFaultsAnswerBeforeAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.FailNext(http.StatusServiceUnavailable, 1, 0)
	resp, data := b.call(t, request{method: "GET", path: "/wiki/api/v2/spaces", auth: "-"})
	checkStatus(t, resp, data, 503)
}

func TestRateLimitViaControlEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, data := b.call(t, request{method: "POST", path: "/sandbox/faults", auth: "-", contentType: "application/json",
		body: strings.NewReader(`{"status":429,"count":2,"retry_after":2,"latency_ms":0}`)})
	checkStatus(t, resp, data, 204)
	for range 2 {
		resp, data := b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 429, undocumented: true})
		if resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if e := v2ErrorOf(t, data); e.Code != "TOO_MANY_REQUESTS" {
			t.Fatalf("429 body %s", data)
		}
	}
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 200})
}

func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.sb.FailNext(http.StatusTooManyRequests, 1, 1500*time.Millisecond)
	resp, _ := b.call(t, request{method: "GET", path: "/wiki/rest/api/space/DEMO"})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const d = 150 * time.Millisecond
	b.sb.SetLatency(d)
	start := time.Now()
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 200})
	if took := time.Since(start); took < d {
		t.Fatalf("call took %v with latency %v", took, d)
	}
	start = time.Now()
	resp, data := b.call(t, request{method: "GET", path: "/wiki/", auth: "-"})
	checkStatus(t, resp, data, 200)
	if took := time.Since(start); took >= d {
		t.Fatalf("HTML page delayed by API latency: %v", took)
	}
	b.sb.ClearFaults()
	start = time.Now()
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 200})
	if took := time.Since(start); took >= d {
		t.Fatalf("latency survived ClearFaults: %v", took)
	}
}

func TestFaultControlRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, body := range []string{`{`, `{"status":"x"}`, `{"status":503,"count":-1}`, `{"status":200,"count":1}`, `{"unknown":1}`} {
		resp, data := b.call(t, request{method: "POST", path: "/sandbox/faults", auth: "-", contentType: "application/json",
			body: strings.NewReader(body)})
		checkStatus(t, resp, data, 400)
	}
	b.v2(t, v2Call{method: "GET", path: "/wiki/api/v2/spaces", want: 200})
}
