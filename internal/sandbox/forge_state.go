package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// stateSchemaV3 adds the Forge host: installations (one JSON record each)
// and Forge app properties, per installation. The site's cloudId and the
// secret of its product tokens are settings. Idempotent, like the schemas
// before it.
const stateSchemaV3 = `
CREATE TABLE IF NOT EXISTS forge_installations (
	id     TEXT PRIMARY KEY,
	record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS forge_app_properties (
	installation_id TEXT NOT NULL,
	key             TEXT NOT NULL,
	value           TEXT NOT NULL,
	PRIMARY KEY (installation_id, key)
);`

// forgeInstallation writes an installation record, replacing the earlier one.
func (w stateTx) forgeInstallation(in *forgeInstall) error {
	rec, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return w.exec("INSERT INTO forge_installations (id, record) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record", in.ID, string(rec))
}

// forgeUninstall writes the uninstalled record and drops its properties.
func (w stateTx) forgeUninstall(in *forgeInstall) error {
	if err := w.exec("DELETE FROM forge_app_properties WHERE installation_id = ?", in.ID); err != nil {
		return err
	}
	return w.forgeInstallation(in)
}

func (w stateTx) forgeProperty(installationID, key, value string) error {
	return w.exec(`INSERT INTO forge_app_properties (installation_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (installation_id, key) DO UPDATE SET value = excluded.value`, installationID, key, value)
}

func (w stateTx) deleteForgeProperty(installationID, key string) error {
	return w.exec("DELETE FROM forge_app_properties WHERE installation_id = ? AND key = ?", installationID, key)
}

// loadForge reads the cloudId, the token secret, the installations and
// their properties.
func (s *stateDB) loadForge(ctx context.Context, f *forgeState) error {
	for name, into := range map[string]*string{"forge_cloud_id": &f.cloudID, "forge_token_secret": &f.tokenSecret} {
		err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(into)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
	err := s.each(ctx, "SELECT record FROM forge_installations ORDER BY id", func(r *sql.Rows) error {
		var rec string
		var in forgeInstall
		if err := r.Scan(&rec); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(rec), &in); err != nil {
			return err
		}
		f.installs[in.ID] = &in
		return nil
	})
	if err != nil {
		return fmt.Errorf("read Forge installations: %w", err)
	}
	err = s.each(ctx, "SELECT installation_id, key, value FROM forge_app_properties", func(r *sql.Rows) error {
		var id, key, value string
		if err := r.Scan(&id, &key, &value); err != nil {
			return err
		}
		if f.props[id] == nil {
			f.props[id] = map[string]string{}
		}
		f.props[id][key] = value
		return nil
	})
	if err != nil {
		return fmt.Errorf("read Forge app properties: %w", err)
	}
	return nil
}
