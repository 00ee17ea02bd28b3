-- Each route has a state (creating, created, published, failed), the title it
-- claimed before asking Confluence, and the reason it failed.
ALTER TABLE mailwiki_delivery ADD COLUMN state TEXT NOT NULL DEFAULT 'created';
ALTER TABLE mailwiki_delivery ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE mailwiki_delivery ADD COLUMN claimed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE mailwiki_delivery ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE mailwiki_delivery ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- A page title in a route is claimed by one message at a time, before the
-- page is created, so that a retry after a crash can tell its own page.
CREATE TABLE mailwiki_title_claim (
	route      TEXT NOT NULL,
	title      TEXT NOT NULL,
	queue_id   TEXT NOT NULL,
	claimed_at TEXT NOT NULL,
	PRIMARY KEY (route, title)
);
CREATE INDEX mailwiki_title_claim_queue_id ON mailwiki_title_claim (queue_id);
