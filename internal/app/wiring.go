package app

import (
	"context"
	"strings"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/confluence"
	"github.com/mailwiki/mailwiki/internal/job"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/spool"
	"github.com/mailwiki/mailwiki/internal/store/sqlite"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// The concrete adapters behind the ports: the only place that names them.

// openDatabase opens the embedded SQLite store and brings River's schema up
// to date on the same database; newQueue then builds the queue on it.
func (m *Main) openDatabase(ctx context.Context, path string) error {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	db.Now = m.Now
	m.store, m.tenantStore, m.closeDB, m.sqlDB = db, db, db.Close, db.SQL
	return job.Migrate(ctx, riversqlite.New(db.SQL))
}

// newQueue builds the River queue on the database openDatabase opened.
func (m *Main) newQueue(d job.Deliverer, cfg job.Config) (*job.Queue, error) {
	return job.New(riversqlite.New(m.sqlDB), d, cfg)
}

// publisher returns the Confluence client of a tenant, counting its calls.
func (m *Main) publisher(tenants mailwiki.TenantService) pipeline.PublisherFactory {
	return func(ctx context.Context, t mailwiki.Tenant) (mailwiki.Publisher, error) {
		hc, err := tenants.HTTPClient(ctx, t)
		if err != nil {
			return nil, err
		}
		opts := confluence.Options{AllowInsecureHTTP: t.AllowInsecureHTTP, Flavor: confluence.Cloud,
			Logger: m.Logger, OnRequest: m.metrics.RecordConfluenceRequest}
		if t.Flavor == mailwiki.FlavorDataCenter {
			opts.Flavor = confluence.DataCenter
		}
		return confluence.New(t.BaseURL, hc, opts)
	}
}

// declaredTenants maps the configuration's tenants onto the tenant package's.
func declaredTenants(in []config.Tenant) []tenant.Declared {
	out := make([]tenant.Declared, 0, len(in))
	for _, t := range in {
		d := tenant.Declared{
			Tenant: mailwiki.Tenant{ID: t.ID, Mode: mailwiki.ModeToken, BaseURL: t.BaseURL, Flavor: t.Flavor,
				AllowInsecureHTTP: t.AllowInsecureHTTP},
			Email: t.Email, APIToken: t.APIToken.Value, PersonalAccessToken: t.PersonalAccessToken.Value,
		}
		door := t.DoorConfig()
		d.Senders, d.Spam = door.Senders, door.Spam
		if d.Tenant.Flavor == "" {
			d.Tenant.Flavor = mailwiki.FlavorCloud
		}
		for _, a := range t.Addresses {
			d.Routes = append(d.Routes, mailwiki.Route{Address: a.Address, SpaceKey: a.Space})
		}
		out = append(out, d)
	}
	return out
}

// spoolStore is the spool as the pipeline's mailwiki.MessageStore: an
// installed tenant's messages are wrapped by its own data key (keyID says
// which, "" for the master key), so that uninstalling crypto-shreds them.
type spoolStore struct {
	*spool.Spool
	keyID func(ctx context.Context, tenantID string) string
}

func (s spoolStore) Create(ctx context.Context, id, tenantID string) (mailwiki.MessageWriter, error) {
	if s.keyID != nil {
		if k := s.keyID(ctx, tenantID); k != "" {
			return s.Spool.CreateWithKey(ctx, id, k)
		}
	}
	return s.Spool.Create(ctx, id)
}

// tenantKeyPrefix names a tenant's data key in the spool's headers.
const tenantKeyPrefix = "tenant:"

// messageStore is the spool with installed tenants' own keys.
func (m *Main) messageStore() spoolStore {
	return spoolStore{Spool: m.spool, keyID: func(ctx context.Context, tenantID string) string {
		if m.hosted == nil {
			return ""
		}
		if _, ok := m.hosted.DataKey(ctx, tenantID); ok {
			return tenantKeyPrefix + tenantID
		}
		return ""
	}}
}

// tenantKey resolves a spool key id naming a tenant's data key (see
// spool.Keyring.WithResolver): gone once the tenant uninstalled.
func (m *Main) tenantKey(id string) ([]byte, bool) {
	tenantID, ok := strings.CutPrefix(id, tenantKeyPrefix)
	if !ok || m.hosted == nil {
		return nil, false
	}
	return m.hosted.DataKey(context.Background(), tenantID)
}
