package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/sandbox"
)

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("mailwiki "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	return nil
}

func logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: l}))
}

func loadConfig(path string) (config.Config, error) {
	cfg, err := config.Load(path, os.Getenv)
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		return cfg, usageError{err}
	}
	return cfg, err
}

func serve(ctx context.Context, args []string) error {
	fs := newFlags("serve")
	path := fs.String("config", os.Getenv("MAILWIKI_CONFIG"), "configuration file (YAML); also MAILWIKI_CONFIG")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	m := &app.Main{Config: cfg, Logger: logger(cfg.Log.Level)}
	if err := m.Run(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	m.Logger.Info("stopping: draining SMTP sessions and running jobs")
	return m.Close()
}

func configCmd(args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "dump") {
		return usageError{errors.New("usage: mailwiki config check|dump [--config FILE]")}
	}
	fs := newFlags("config " + args[0])
	path := fs.String("config", os.Getenv("MAILWIKI_CONFIG"), "configuration file (YAML); also MAILWIKI_CONFIG")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	if args[0] == "check" {
		fmt.Println("configuration OK:", len(cfg.Tenants), "tenant(s)")
		return nil
	}
	out, err := cfg.Dump()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}

func inspect(args []string) error {
	if len(args) != 1 {
		return usageError{errors.New("usage: mailwiki inspect FILE.eml (or - for standard input)")}
	}
	var raw []byte
	var err error
	if args[0] == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(args[0])
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(app.Inspect(raw, time.Now()))
}

func runSandbox(ctx context.Context, args []string) error {
	fs := newFlags("sandbox")
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	state := fs.String("state", "", "file keeping the sandbox's content across restarts (SQLite; a JSON state file of an older version is migrated)")
	pat := fs.String("personal-access-token", "", "also accept this Data Center personal access token (bearer), to try a flavor: datacenter tenant")
	var spaces []string
	fs.Func("space", "also create the space with this key, if missing (repeatable)", func(k string) error { spaces = append(spaces, k); return nil })
	if err := parse(fs, args); err != nil {
		return err
	}
	log := logger("info")
	sb, err := sandbox.New(sandbox.Options{StatePath: *state, Logger: log})
	if err != nil {
		return err
	}
	defer sb.Close() // after Shutdown: no change is in flight any more
	sb.SeedDemo()
	if *pat != "" {
		sb.AddPersonalAccessToken(*pat)
	}
	for _, k := range spaces {
		sb.AddSpace(k, k) // an existing space is left as it is
	}
	srv := &http.Server{Addr: *addr, Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(os.Stderr, "sandbox Confluence at http://%s/wiki/ (user %s, API token %s, space %s)\n", *addr, sandbox.DemoUser, sandbox.DemoToken, sandbox.DemoSpaceKey)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
