package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// stateDB is the state file: a SQLite database (modernc.org/sqlite) holding
// spaces, pages, attachments with every version's bytes, and NextID. Each
// change is one transaction, committed with synchronous=FULL in WAL mode
// (the WAL is fsynced at every commit) before the HTTP answer is written, so
// that an acknowledged change survives the process being killed.
//
// The database is opened in EXCLUSIVE locking mode through a single
// connection: one process owns a state file until it closes it; a second
// process opening the same file gets an error instead of two diverging
// copies of the site. Not safe for concurrent use: the Sandbox calls it
// under s.mu.
type stateDB struct {
	db   *sql.DB
	path string
}

// stateSchemaVersion is PRAGMA user_version of the state database.
const stateSchemaVersion = 4

const stateSchema = `
CREATE TABLE IF NOT EXISTS meta (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS spaces (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	key        TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	space_id   TEXT NOT NULL,
	parent_id  TEXT NOT NULL,
	title      TEXT NOT NULL,
	status     TEXT NOT NULL,
	storage    TEXT NOT NULL,
	author_id  TEXT NOT NULL,
	version    INTEGER NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	page_id    TEXT NOT NULL,
	filename   TEXT NOT NULL,
	file_id    TEXT NOT NULL,
	author_id  TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachment_versions (
	attachment_id TEXT NOT NULL,
	number        INTEGER NOT NULL,
	media_type    TEXT NOT NULL,
	comment       TEXT NOT NULL,
	minor_edit    INTEGER NOT NULL,
	data          BLOB,
	created_at    TEXT NOT NULL,
	PRIMARY KEY (attachment_id, number)
);`

// openStateDB opens (creating if needed) the state database at path and
// brings its schema up to date. It fails if another process holds the file,
// or if a newer mailwiki wrote it.
func openStateDB(ctx context.Context, path string) (*stateDB, error) {
	db, err := sql.Open("sqlite", stateDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := &stateDB{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// stateDSN sets, in this order, exclusive locking (taken at the first
// access and held until close; set before WAL so that no shared memory is
// used), WAL, a durable commit, and no waiting for a lock held elsewhere.
func stateDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"locking_mode(EXCLUSIVE)", "journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(0)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// In a file: URI, SQLite decodes %XX and ends the path at ? or #.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + escaped + "?" + q.Encode()
}

func (s *stateDB) migrate(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return inUse(err)
	}
	if version > stateSchemaVersion {
		return fmt.Errorf("the state file was written by a newer mailwiki (schema %d, this one knows %d): use that version or another file", version, stateSchemaVersion)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, stateSchema+stateSchemaV2+stateSchemaV3+stateSchemaV4); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(stateSchemaVersion))
		return err
	})
}

// inUse explains SQLITE_BUSY at open: another process has the file.
func inUse(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return fmt.Errorf("the state file is in use by another process (stop it, or use another file): %w", err)
	}
	return err
}

// close closes the database; its WAL is checkpointed into the file. Calls
// after the first do nothing; writes after it fail.
func (s *stateDB) close() error { return s.db.Close() }

// inTx runs f in one transaction, committed durably, or rolled back if f
// or the commit fails.
func (s *stateDB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return inUse(err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stateTx is one change being written: the rows it adds and NextID.
type stateTx struct {
	ctx context.Context
	tx  *sql.Tx
}

// write runs f in one transaction that also records nextID, so that ids
// handed out are never handed out again after a restart.
func (s *stateDB) write(ctx context.Context, nextID int64, f func(w stateTx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		w := stateTx{ctx: ctx, tx: tx}
		if err := f(w); err != nil {
			return err
		}
		return w.exec("INSERT INTO meta (name, value) VALUES ('next_id', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", nextID)
	})
}

func (w stateTx) exec(query string, args ...any) error {
	_, err := w.tx.ExecContext(w.ctx, query, args...)
	return err
}

func (w stateTx) space(sp *Space) error {
	return w.exec("INSERT INTO spaces (id, key, name, created_at) VALUES (?, ?, ?, ?)",
		sp.ID, sp.Key, sp.Name, formatTime(sp.CreatedAt))
}

func (w stateTx) page(p *Page) error {
	return w.exec(`INSERT INTO pages (id, space_id, parent_id, title, status, storage, author_id, version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.SpaceID, p.ParentID, p.Title, p.Status, p.Storage, p.AuthorID, p.Version, formatTime(p.CreatedAt))
}

// attachment writes a's newest version, and a itself when that version is
// its first.
func (w stateTx) attachment(a *attachment) error {
	v := a.current()
	if v.Number == 1 {
		if err := w.attachmentRow(a); err != nil {
			return err
		}
	}
	return w.version(a.ID, v)
}

// attachments writes the newest version of each of as.
func (w stateTx) attachments(as []attachment) error {
	for i := range as {
		if err := w.attachment(&as[i]); err != nil {
			return err
		}
	}
	return nil
}

// attachmentRow writes a without its versions.
func (w stateTx) attachmentRow(a *attachment) error {
	return w.exec("INSERT INTO attachments (id, page_id, filename, file_id, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		a.ID, a.PageID, a.Filename, a.FileID, a.AuthorID, formatTime(a.CreatedAt))
}

func (w stateTx) version(attachmentID string, v attVersion) error {
	return w.exec(`INSERT INTO attachment_versions (attachment_id, number, media_type, comment, minor_edit, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		attachmentID, v.Number, v.MediaType, v.Comment, v.MinorEdit, v.Data, formatTime(v.CreatedAt))
}

// Times are stored as RFC 3339 text with nanoseconds, which round-trips.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
