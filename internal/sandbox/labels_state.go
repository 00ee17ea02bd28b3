package sandbox

import (
	"context"
	"database/sql"
)

// stateSchemaV4 adds, to schema 3, the labels of pages and blog posts: one
// row per label on a content, in the order added. Idempotent like the
// earlier schemas, so an older file gains the new, empty table.
const stateSchemaV4 = `
CREATE TABLE IF NOT EXISTS content_labels (
	seq        INTEGER PRIMARY KEY,
	content_id TEXT NOT NULL,
	label_id   TEXT NOT NULL,
	prefix     TEXT NOT NULL,
	name       TEXT NOT NULL,
	UNIQUE (content_id, prefix, name)
);`

// labels writes labels newly put on content.
func (w stateTx) labels(ls []*contentLabel) error {
	for _, l := range ls {
		err := w.exec("INSERT INTO content_labels (content_id, label_id, prefix, name) VALUES (?, ?, ?, ?)",
			l.ContentID, l.ID, l.Prefix, l.Name)
		if err != nil {
			return err
		}
	}
	return nil
}

// loadLabels reads the labels in the order they were added.
func (s *stateDB) loadLabels(ctx context.Context, st *state) error {
	const q = "SELECT content_id, label_id, prefix, name FROM content_labels ORDER BY seq"
	return s.each(ctx, q, func(r *sql.Rows) error {
		var l contentLabel
		if err := r.Scan(&l.ContentID, &l.ID, &l.Prefix, &l.Name); err != nil {
			return err
		}
		st.Labels = append(st.Labels, &l)
		return nil
	})
}
