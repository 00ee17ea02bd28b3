-- Installed tenants (Connect, later Forge): the registration with its
-- shared secret sealed under the spool's master keys (promise P1), and the
-- keyed hashes that route mail and reject early (P10, P11). Nothing of a
-- tenant's configuration is stored here (P9). Every row names its tenant,
-- so that uninstall is one cascade (P12).
CREATE TABLE mailwiki_tenant (
	id                  TEXT PRIMARY KEY,
	mode                TEXT NOT NULL,
	base_url            TEXT NOT NULL,
	flavor              TEXT NOT NULL,
	allow_insecure_http INTEGER NOT NULL DEFAULT 0,
	app_key             TEXT NOT NULL DEFAULT '',
	sealed_secret       BLOB NOT NULL,
	state               TEXT NOT NULL,
	installed_at        TEXT NOT NULL,
	updated_at          TEXT NOT NULL
);

CREATE TABLE mailwiki_tenant_hash (
	tenant_id TEXT NOT NULL REFERENCES mailwiki_tenant (id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	sum       BLOB NOT NULL,
	PRIMARY KEY (tenant_id, kind, key_id, sum)
);
-- An address belongs to one tenant at most.
CREATE UNIQUE INDEX mailwiki_tenant_hash_address ON mailwiki_tenant_hash (key_id, sum) WHERE kind = 'address';
CREATE INDEX mailwiki_tenant_hash_lookup ON mailwiki_tenant_hash (kind, key_id, sum);
