-- "Connect" (QuickBooks and Square through their sign-in pages). Tokens live in the keychain;
-- these are the facts the status rules and the renewal schedule read. Times are unix ms.
ALTER TABLE integrations ADD COLUMN connected_at INTEGER;      -- when Connect last succeeded
ALTER TABLE integrations ADD COLUMN connected_by TEXT;         -- who connected
ALTER TABLE integrations ADD COLUMN tokens_refreshed_at INTEGER; -- last access-token renewal
-- The provider refused the stored refresh token (invalid_grant): red, "Reconnect". Cleared by a
-- new connection or a pasted token.
ALTER TABLE integrations ADD COLUMN refresh_refused_at INTEGER;
