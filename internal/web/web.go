// Package web serves mailwiki's operational HTTP endpoints: /livez (the
// process runs), /readyz (it takes work: false while starting or draining)
// and /metrics (Prometheus). It shows no message content, ever.
package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler returns the operational routes. ready is asked on every /readyz;
// unhealthy lists what is degraded, one line each ("tenant unhealthy: id:
// reason" for a tenant whose Confluence refuses its credentials, "check
// unavailable: …" for a scanner that does not answer), shown on /readyz
// without failing it: the rest of the mail flows. Alert on the
// mailwiki_tenant_healthy and mailwiki_check_up gauges.
func Handler(ready func() bool, unhealthy func() []string, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready\n"))
			return
		}
		w.Write([]byte("ready\n"))
		for _, line := range unhealthy() {
			w.Write([]byte(line + "\n"))
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}
