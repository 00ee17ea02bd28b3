package sandbox

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// The demo site seeded by SeedDemo.
const (
	DemoUser      = "admin@demo.mailwiki.test"
	DemoToken     = "demo-token"
	DemoSpaceKey  = "DEMO"
	DemoSpaceName = "Demo"
)

// Options configures a Sandbox. The zero value is usable: no persistence, logs
// discarded, the wall clock.
type Options struct {
	// StatePath, if set, is a JSON file holding the content across restarts:
	// loaded by New, rewritten atomically after each mutation.
	StatePath string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Sandbox is a local Confluence site. It implements http.Handler; mount it at
// the root of a server so that its routes live under /wiki. Safe for
// concurrent use.
type Sandbox struct {
	log       *slog.Logger
	now       func() time.Time
	statePath string
	mux       *http.ServeMux
	faults    faults

	mu    sync.Mutex // guards st and creds
	st    state
	creds credentials
}

// New returns a Sandbox, loading opts.StatePath if it exists.
func New(opts Options) (*Sandbox, error) {
	s := &Sandbox{
		log:       opts.Logger,
		now:       opts.Now,
		statePath: opts.StatePath,
		st:        newState(),
		creds:     newCredentials(),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.statePath != "" {
		st, err := loadState(s.statePath)
		if err != nil {
			return nil, fmt.Errorf("sandbox: load state %q: %w", s.statePath, err)
		}
		s.st = st
	}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP serves the REST API, downloads, the HTML pages and /sandbox/faults.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// routes builds the router. API routes go through s.api (faults, then
// authentication, then the error shape of their REST version).
func (s *Sandbox) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("GET /wiki/api/v2/spaces", s.api(v2, s.v2ListSpaces))
	m.Handle("GET /wiki/api/v2/spaces/{id}", s.api(v2, s.v2GetSpace))
	m.Handle("GET /wiki/api/v2/pages", s.api(v2, s.v2ListPages))
	m.Handle("POST /wiki/api/v2/pages", s.api(v2, s.v2CreatePage))
	m.Handle("GET /wiki/api/v2/pages/{id}", s.api(v2, s.v2GetPage))
	m.Handle("GET /wiki/api/v2/pages/{id}/attachments", s.api(v2, s.v2ListAttachments))

	m.Handle("GET /wiki/rest/api/space/{key}", s.api(v1, s.v1GetSpace))
	m.Handle("GET /wiki/rest/api/content", s.api(v1, s.v1ListContent))
	m.Handle("POST /wiki/rest/api/content", s.api(v1, s.v1CreatePage))
	m.Handle("GET /wiki/rest/api/content/{id}", s.api(v1, s.v1GetContent))
	m.Handle("GET /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1ListAttachments))
	m.Handle("POST /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1CreateAttachments))
	m.Handle("PUT /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1PutAttachments))
	m.Handle("/wiki/api/", s.api(v2, notFoundRoute))
	m.Handle("/wiki/rest/", s.api(v1, notFoundRoute))

	m.Handle("GET /wiki/download/attachments/{pageId}/{filename}", s.download())

	m.HandleFunc("POST /sandbox/faults", s.postFaults)
	m.HandleFunc("DELETE /sandbox/faults", s.deleteFaults)

	m.HandleFunc("GET /wiki/{$}", s.htmlIndex)
	m.HandleFunc("GET /wiki/spaces/{key}", s.htmlSpace)
	m.HandleFunc("GET /wiki/spaces/{key}/pages/{id}", s.htmlPage)
	m.HandleFunc("GET /wiki/spaces/{key}/pages/{id}/{title...}", s.htmlPage)
	m.HandleFunc("GET /wiki/x/{code}", s.htmlTiny)
	m.HandleFunc("GET /wiki/pages/viewpageattachments.action", s.htmlAttachmentPreview)
	return m
}
