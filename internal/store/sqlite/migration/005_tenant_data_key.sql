-- An installed tenant's own data key, sealed under the master keys: it
-- wraps the keys of the tenant's spooled messages, so that deleting it at
-- uninstall makes them unreadable at once (crypto-shredding).
ALTER TABLE mailwiki_tenant ADD COLUMN sealed_data_key BLOB NOT NULL DEFAULT x'';
