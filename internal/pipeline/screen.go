package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mailwiki/mailwiki"
)

// DefaultScreenTimeout bounds the whole message stage of one message (every
// screen, run side by side). A screen still running then counts as down and
// its fail action applies.
const DefaultScreenTimeout = 2 * time.Minute

// screenResult is one screen's answer.
type screenResult struct {
	name    string
	finding mailwiki.Finding
	err     error
}

// runScreens reads the spooled message once and streams it to every screen
// at the same time; a screen that stops reading early (it has decided, or
// failed) is dropped from the stream without holding up the others.
func (a *Acceptor) runScreens(ctx context.Context, env *mailwiki.Envelope) []screenResult {
	screens := append([]mailwiki.Screen{traceScreen{}}, a.Screens...)
	timeout := a.ScreenTimeout
	if timeout <= 0 {
		timeout = DefaultScreenTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := make([]screenResult, len(screens))
	pipes := make([]*io.PipeWriter, len(screens))
	readers := make([]*io.PipeReader, len(screens))
	var wg sync.WaitGroup
	for i, s := range screens {
		pr, pw := io.Pipe()
		pipes[i], readers[i] = pw, pr
		wg.Go(func() {
			f, err := s.Screen(ctx, env, pr)
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			pr.CloseWithError(errScreenDone) // later writes to this screen fail at once
			results[i] = screenResult{name: s.Name(), finding: f, err: err}
		})
	}
	stop := context.AfterFunc(ctx, func() { // a screen that neither reads nor returns
		for _, pr := range readers {
			pr.CloseWithError(ctx.Err())
		}
	})
	err := a.streamTo(ctx, env.ID, pipes)
	stop()
	for _, pw := range pipes {
		pw.CloseWithError(err) // nil: io.EOF for the screen
	}
	wg.Wait()
	if err != nil {
		for i := range results {
			if results[i].err == nil {
				results[i].err = err
			}
		}
	}
	return results
}

var errScreenDone = errors.New("pipeline: the screen has finished reading")

// streamTo copies the spooled message to every pipe still open.
func (a *Acceptor) streamTo(ctx context.Context, id string, pipes []*io.PipeWriter) error {
	r, err := a.Spool.Reader(ctx, id)
	if err != nil {
		return fmt.Errorf("read back the spooled message: %w", err)
	}
	defer r.Close()
	open := append([]*io.PipeWriter(nil), pipes...)
	buf := make([]byte, 64<<10)
	for len(open) > 0 {
		n, rerr := r.Read(buf)
		if n > 0 {
			open = writeAll(open, buf[:n])
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read back the spooled message: %w", rerr)
		}
	}
	return nil
}

// writeAll writes p to each pipe and returns those that took it.
func writeAll(pipes []*io.PipeWriter, p []byte) []*io.PipeWriter {
	kept := pipes[:0]
	for _, pw := range pipes {
		if _, err := pw.Write(p); err == nil {
			kept = append(kept, pw)
		}
	}
	return kept
}
