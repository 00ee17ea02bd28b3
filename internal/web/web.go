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
// unhealthy lists the tenants whose Confluence refuses their credentials
// ("id: reason"), shown on /readyz without failing it: their messages wait,
// while the others' are received and published as usual. Alert on the
// mailwiki_tenant_healthy gauge.
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
		for _, t := range unhealthy() {
			w.Write([]byte("tenant unhealthy: " + t + "\n"))
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}
