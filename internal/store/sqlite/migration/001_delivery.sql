-- Delivery progress per queued message and route (ids and outcomes only,
-- never content). IF NOT EXISTS: databases made before versioned
-- migrations already have this table.
CREATE TABLE IF NOT EXISTS mailwiki_delivery (
	queue_id   TEXT NOT NULL,
	route      TEXT NOT NULL,
	tenant_id  TEXT NOT NULL,
	page_id    TEXT NOT NULL,
	page_url   TEXT NOT NULL,
	fallback   INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (queue_id, route)
);
