package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// openState opens the state file at path and reads it. A missing or empty
// file starts an empty site. A JSON state file written by an older sandbox
// (which rewrote the whole file at every change) is migrated first: the
// database replaces it at the same path and the JSON is kept next to it as
// path.json-backup. Anything else unreadable is an error, so that a typo in
// the path or a damaged file never silently starts an empty site over real
// content.
func openState(ctx context.Context, path string, log *slog.Logger) (*stateDB, state, error) {
	legacy, err := isLegacyJSON(path)
	if err != nil {
		return nil, state{}, err
	}
	if legacy {
		if err := migrateJSON(ctx, path); err != nil {
			return nil, state{}, err
		}
		log.Info("sandbox: migrated the JSON state file to SQLite", "path", path, "backup", path+".json-backup")
	}
	db, err := openStateDB(ctx, path)
	if err != nil {
		return nil, state{}, err
	}
	st, err := db.load(ctx)
	if err != nil {
		db.close()
		return nil, state{}, err
	}
	return db, st, nil
}

// isLegacyJSON reports whether path holds something other than a SQLite
// database: a state file from an older version, or garbage that its JSON
// decoding will report.
func isLegacyJSON(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && err == io.EOF:
		return false, nil // empty: SQLite makes it a database
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		return false, err
	}
	return !bytes.Equal(head[:n], sqliteHeader), nil
}

// loadJSON reads a state file in the JSON format of older versions.
func loadJSON(path string) (state, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return state{}, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, fmt.Errorf("neither a sandbox state database nor a JSON state file of an older version: decode: %w", err)
	}
	st.NextID = max(st.NextID, firstID, maxID(&st)+1)
	return st, st.check()
}

// migrateJSON turns the JSON state file at path into a state database at
// the same path. The database is built beside it and renamed over it once
// complete, so that a crash leaves either the JSON file (migrated again at
// the next start) or the database; the JSON is kept as path.json-backup.
func migrateJSON(ctx context.Context, path string) error {
	st, err := loadJSON(path)
	if err != nil {
		return err
	}
	tmp := path + ".migrating"
	for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := writeDatabase(ctx, tmp, &st); err != nil {
		return fmt.Errorf("migrate to SQLite: %w", err)
	}
	backup := path + ".json-backup"
	if err := os.Remove(backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Link(path, backup); err != nil {
		return fmt.Errorf("keep the JSON state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("migrate to SQLite: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// writeDatabase creates a state database at path holding st, in one
// transaction, and leaves it self-contained (no WAL file beside it).
func writeDatabase(ctx context.Context, path string, st *state) error {
	db, err := openStateDB(ctx, path)
	if err != nil {
		return err
	}
	err = db.write(ctx, st.NextID, func(w stateTx) error { return w.everything(st) })
	if err == nil {
		_, err = db.db.ExecContext(ctx, "PRAGMA journal_mode = DELETE")
	}
	return errors.Join(err, db.close())
}

// everything writes a whole state.
func (w stateTx) everything(st *state) error {
	for _, sp := range st.Spaces {
		if err := w.space(sp); err != nil {
			return err
		}
	}
	for _, p := range st.Pages {
		if err := w.page(p); err != nil {
			return err
		}
	}
	for _, f := range st.Folders {
		if err := w.folder(f); err != nil {
			return err
		}
	}
	for _, p := range st.BlogPosts {
		if err := w.blogPost(p); err != nil {
			return err
		}
	}
	if err := w.labels(st.Labels); err != nil {
		return err
	}
	for _, a := range st.Attachments {
		if err := w.attachmentRow(a); err != nil {
			return err
		}
		for _, v := range a.Versions {
			if err := w.version(a.ID, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
