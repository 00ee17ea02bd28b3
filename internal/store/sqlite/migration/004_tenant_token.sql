-- Forge installations: the site's cloud id, and when the sealed credential
-- (an app system token, at most 4 hours long) expires.
ALTER TABLE mailwiki_tenant ADD COLUMN cloud_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mailwiki_tenant ADD COLUMN secret_expires_at TEXT NOT NULL DEFAULT '';
