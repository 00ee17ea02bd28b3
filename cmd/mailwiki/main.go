// Command mailwiki turns email into Confluence pages.
//
//	mailwiki serve --config FILE   the production server (SMTP, HTTP, workers)
//	mailwiki demo                  everything in one process on embedded defaults
//	mailwiki sandbox               the sandbox Confluence alone
//	mailwiki inspect FILE.eml|-    what mailwiki makes of a message, as JSON
//	mailwiki config check|dump     validate or print the effective configuration
//	mailwiki version
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: mailwiki <command> [flags]

commands:
  serve --config FILE   run the server (SMTP, HTTP, delivery workers)
  demo                  run everything locally with a sandbox Confluence
  sandbox               run the sandbox Confluence alone
  inspect FILE.eml|-    print what mailwiki makes of a message (JSON)
  config check|dump     validate, or print the effective configuration (secrets redacted)
  version               print the version
`

// exitUsage is the exit status for wrong usage and invalid configuration.
const exitUsage = 2

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:])
	case "demo":
		err = demo(ctx, args[1:])
	case "sandbox":
		err = runSandbox(ctx, args[1:])
	case "inspect":
		err = inspect(args[1:])
	case "config":
		err = configCmd(args[1:])
	case "version":
		fmt.Println("mailwiki", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "mailwiki: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "mailwiki:", err)
		return exitUsage
	default:
		fmt.Fprintln(os.Stderr, "mailwiki:", err)
		return 1
	}
}

// usageError marks errors the user fixes by changing flags or configuration.
type usageError struct{ error }
