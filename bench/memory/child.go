package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

const (
	tenantID = "bench"
	rcpt     = "docs@bench.test"
)

// serveSandbox serves the demo sandbox on a free loopback port, prints its
// base URL and runs until interrupted.
func serveSandbox() error {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		return err
	}
	sb.SeedDemo()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s/wiki\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	return srv.Close()
}

// deliverChild spools n messages, then delivers them at once and prints a
// result line.
func deliverChild(baseURL string, n int, attachBytes, budget int64) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "mailwiki-bench-memory-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d, sp, closeAll, err := wire(ctx, dir, baseURL, budget)
	if err != nil {
		return err
	}
	defer closeAll()
	envs := make([]*mailwiki.Envelope, n)
	titles := make([]string, n)
	for i := range envs {
		titles[i] = fmt.Sprintf("Memory bench %d-%d-%d", os.Getpid(), time.Now().UnixNano(), i)
		if envs[i], err = spoolMessage(ctx, sp, fmt.Sprintf("M%d-%d", os.Getpid(), i), titles[i], attachBytes); err != nil {
			return err
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset the peak RSS counter: %w", err)
	}
	r := result{Messages: n, MessageBytes: envs[0].Size, BaselineKB: statusKB(0, "VmRSS")}
	start := time.Now()
	if err := deliverAll(ctx, d, envs); err != nil {
		return err
	}
	r.Seconds = time.Since(start).Seconds()
	r.PeakKB = statusKB(0, "VmHWM")
	if r.AttachedBytes, err = attachedBytes(ctx, d, titles); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// wire builds the Deliverer as internal/pipeline's tests and internal/app do:
// the encrypted spool, the SQLite store, a static tenant, the Confluence client.
func wire(ctx context.Context, dir, baseURL string, budget int64) (*pipeline.Deliverer, *spool.Spool, func(), error) {
	key := make([]byte, spool.KeySize)
	_, _ = rand.Read(key)
	kr, err := spool.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		return nil, nil, nil, err
	}
	sp, err := spool.Open(filepath.Join(dir, "spool"), kr, spool.Options{PoolSize: -1})
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "mailwiki.db"))
	if err != nil {
		sp.Close()
		return nil, nil, nil, err
	}
	tenants := tenant.NewStatic([]tenant.Declared{{
		Tenant: mailwiki.Tenant{ID: tenantID, BaseURL: baseURL, Flavor: mailwiki.FlavorCloud, AllowInsecureHTTP: true},
		Email:  sandbox.DemoUser, APIToken: sandbox.DemoToken,
		Routes: []mailwiki.Route{{Address: rcpt, SpaceKey: "DEMO"}},
	}}, nil)
	d := &pipeline.Deliverer{
		Spool:   spoolStore{sp},
		Tenants: tenants,
		Confluence: func(ctx context.Context, t mailwiki.Tenant) (mailwiki.Publisher, error) {
			return client(ctx, tenants, t)
		},
		Store:  db,
		MaxAge: 48 * time.Hour,
		Now:    time.Now,
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if budget > 0 {
		d.Memory = pipeline.NewBudget(budget)
	}
	return d, sp, func() { db.Close(); sp.Close() }, nil
}

func client(ctx context.Context, tenants *tenant.Static, t mailwiki.Tenant) (*confluence.Client, error) {
	hc, err := tenants.HTTPClient(ctx, t)
	if err != nil {
		return nil, err
	}
	return confluence.New(t.BaseURL, hc, confluence.Options{AllowInsecureHTTP: true})
}

// spoolStore is the spool as a mailwiki.MessageStore (internal/app wires the same).
type spoolStore struct{ *spool.Spool }

func (s spoolStore) Create(ctx context.Context, id, _ string) (mailwiki.MessageWriter, error) {
	return s.Spool.Create(ctx, id)
}

func spoolMessage(ctx context.Context, sp *spool.Spool, id, subject string, attachBytes int64) (*mailwiki.Envelope, error) {
	w, err := sp.Create(ctx, id)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	if err := writeMessage(w, subject, attachBytes); err != nil {
		return nil, err
	}
	if err := w.Commit(); err != nil {
		return nil, err
	}
	return &mailwiki.Envelope{ID: id, From: "alice@example.org", To: []string{rcpt}, TenantID: tenantID,
		Received: time.Now(), Size: w.Size()}, nil
}

func deliverAll(ctx context.Context, d *pipeline.Deliverer, envs []*mailwiki.Envelope) error {
	var wg sync.WaitGroup
	errs := make([]error, len(envs))
	for i, env := range envs {
		wg.Go(func() { errs[i] = d.Deliver(ctx, env, 1, nil) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// attachedBytes sums the sizes of the files the sandbox holds on the pages.
func attachedBytes(ctx context.Context, d *pipeline.Deliverer, titles []string) (int64, error) {
	t, err := d.Tenants.Tenant(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	c, err := client(ctx, d.Tenants.(*tenant.Static), t)
	if err != nil {
		return 0, err
	}
	space, err := c.SpaceByKey(ctx, "DEMO")
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, title := range titles {
		p, err := c.FindPageByTitle(ctx, space, title)
		if err != nil || p == nil {
			return 0, fmt.Errorf("page %q not found: %v", title, err)
		}
		list, err := c.ListAttachments(ctx, p.ID)
		if err != nil {
			return 0, err
		}
		for _, a := range list {
			sum += a.Size
		}
	}
	return sum, nil
}
