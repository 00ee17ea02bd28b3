package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// CountFiles is countFiles, for the external tests.
var CountFiles = countFiles

// SweepOnce runs one retention sweep now.
func (m *Main) SweepOnce(ctx context.Context) { m.sweepOnce(ctx) }

// DeliveryRows counts the delivery records and the title claims kept.
func (m *Main) DeliveryRows() (deliveries, claims int, err error) {
	err = m.sqlDB.QueryRow(`SELECT (SELECT count(*) FROM mailwiki_delivery), (SELECT count(*) FROM mailwiki_title_claim)`).Scan(&deliveries, &claims)
	return deliveries, claims, err
}

// TenantRows counts what the database holds for one tenant: its
// registration, its keyed hashes, its delivery records and title claims,
// and the unfinished delivery jobs (any tenant's, when id is "").
func (m *Main) TenantRows(id string) (map[string]int, error) {
	out := map[string]int{}
	for name, q := range map[string]string{
		"registration": `SELECT count(*) FROM mailwiki_tenant WHERE id = ?`,
		"hashes":       `SELECT count(*) FROM mailwiki_tenant_hash WHERE tenant_id = ?`,
		"deliveries":   `SELECT count(*) FROM mailwiki_delivery WHERE tenant_id = ?`,
		"claims":       `SELECT count(*) FROM mailwiki_title_claim WHERE substr(route, 1, length(?) + 1) = ? || '/'`,
	} {
		args := []any{id}
		if name == "claims" {
			args = []any{id, id}
		}
		var n int
		if err := m.sqlDB.QueryRow(q, args...).Scan(&n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	var jobs int
	err := m.sqlDB.QueryRow(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&jobs)
	out["unfinished jobs"] = jobs
	return out, err
}

// SpoolObjects counts the messages in the spool.
func (m *Main) SpoolObjects(ctx context.Context) (int, error) {
	entries, err := m.spool.List(ctx)
	return len(entries), err
}

// TableDump returns every row of every table of the database as text, for
// tests proving what is (not) stored server-side.
func (m *Main) TableDump() (string, error) {
	rows, err := m.sqlDB.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return "", err
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		r, err := m.sqlDB.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			return "", err
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			r.Scan(ptrs...)
			fmt.Fprintf(&b, "%s: %v\n", table, vals)
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					b.Write(raw)
					b.WriteByte('\n')
				}
			}
		}
		r.Close()
	}
	return b.String(), nil
}

// TenantSecret is an installed tenant's secret, opened.
func (m *Main) TenantSecret(ctx context.Context, id string) (string, error) {
	b, err := m.hosted.Secret(ctx, id)
	return string(b), err
}

// SiteHTTPClient is the client mailwiki reaches an installed tenant's
// Confluence with, and the tenant.
func (m *Main) SiteHTTPClient(ctx context.Context, id string) (*http.Client, mailwiki.Tenant, error) {
	t, err := m.hosted.Tenant(ctx, id)
	if err != nil {
		return nil, t, err
	}
	hc, err := m.hosted.HTTPClient(ctx, t)
	return hc, t, err
}

// SpoolRead reads a spooled message, decrypted.
func (m *Main) SpoolRead(ctx context.Context, id string) ([]byte, error) {
	return m.spool.ReadAll(ctx, id)
}
