package sandbox

import (
	"context"
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
	// StatePath, if set, is a SQLite file holding the content across
	// restarts: loaded by New, each change committed durably before it is
	// acknowledged, owned by this Sandbox until Close. A JSON state file of
	// an older version is migrated (see openState).
	StatePath string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Sandbox is a local Confluence site. It implements http.Handler; mount it at
// the root of a server so that its routes live under /wiki. Safe for
// concurrent use.
type Sandbox struct {
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	faults faults

	mu      sync.Mutex // guards st, creds, db, connect and forge
	st      state
	creds   credentials
	db      *stateDB // nil without Options.StatePath
	connect connectState
	forge   forgeState
	keys    siteKeys  // the RSA key of signed installs; own lock
	fkeys   forgeKeys // the RSA keys of Forge invocation tokens; own lock
}

// New returns a Sandbox, loading opts.StatePath if it exists. With a state
// file, the caller must Close the Sandbox.
func New(opts Options) (*Sandbox, error) {
	s := &Sandbox{
		log:   opts.Logger,
		now:   opts.Now,
		st:    newState(),
		creds: newCredentials(),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.StatePath != "" {
		db, st, err := openState(context.Background(), opts.StatePath, s.log)
		if err != nil {
			return nil, fmt.Errorf("sandbox: load state %q: %w", opts.StatePath, err)
		}
		s.db, s.st = db, st
	}
	if err := s.loadConnect(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: load state %q: Connect: %w", opts.StatePath, err)
	}
	if err := s.loadForge(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: load state %q: Forge: %w", opts.StatePath, err)
	}
	s.mux = s.routes()
	return s, nil
}

// Close closes the state file, if any, releasing it for another process.
// Call it once nothing is served any more: changes attempted afterwards fail
// (500) and are not kept. Calls after the first do nothing.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	return s.db.close() // idempotent; later writes fail: the database is closed
}

// save writes one change to the state file, if there is one, together with
// NextID, and returns once it is durable. It runs to completion whatever
// happens to the request that caused it: the change is already visible in
// memory, and undone there by the caller only if save fails. The caller
// holds s.mu.
func (s *Sandbox) save(f func(w stateTx) error) error {
	if s.db == nil {
		return nil
	}
	return s.db.write(context.Background(), s.st.NextID, f)
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
	m.Handle("GET /wiki/api/v2/pages", s.api(v2, s.v2ListContent(pageType)))
	m.Handle("POST /wiki/api/v2/pages", s.api(v2, s.v2CreateContent(pageType)))
	m.Handle("GET /wiki/api/v2/pages/{id}", s.api(v2, s.v2GetContent(pageType)))
	m.Handle("GET /wiki/api/v2/pages/{id}/attachments", s.api(v2, s.v2ListAttachments))

	m.Handle("GET /wiki/rest/api/space/{key}", s.api(v1, s.v1GetSpace))
	m.Handle("GET /wiki/rest/api/content", s.api(v1, s.v1ListContent))
	m.Handle("POST /wiki/rest/api/content", s.api(v1, s.v1CreatePage))
	m.Handle("GET /wiki/rest/api/content/{id}", s.api(v1, s.v1GetContent))
	m.Handle("GET /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1ListAttachments))
	m.Handle("POST /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1CreateAttachments))
	m.Handle("PUT /wiki/rest/api/content/{id}/child/attachment", s.api(v1, s.v1PutAttachments))
	s.moreRoutes(m)
	m.Handle("/wiki/api/", s.api(v2, notFoundRoute))
	m.Handle("/wiki/rest/", s.api(v1, notFoundRoute))

	m.Handle("GET /wiki/download/attachments/{pageId}/{filename}", s.download())

	m.HandleFunc("POST /sandbox/faults", s.postFaults)
	m.HandleFunc("DELETE /sandbox/faults", s.deleteFaults)

	m.HandleFunc("GET /wiki/{$}", s.htmlIndex)
	m.HandleFunc("GET /wiki/spaces/{key}", s.htmlSpace)
	m.HandleFunc("GET /wiki/spaces/{key}/pages/{id}", s.htmlContent(pageType))
	m.HandleFunc("GET /wiki/spaces/{key}/pages/{id}/{title...}", s.htmlContent(pageType))
	m.HandleFunc("GET /wiki/x/{code}", s.htmlTiny)
	m.HandleFunc("GET /wiki/pages/viewpageattachments.action", s.htmlAttachmentPreview)
	return m
}
