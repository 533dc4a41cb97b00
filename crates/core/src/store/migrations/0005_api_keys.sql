-- API keys for the loopback ingest API. The key itself is shown once and never stored: only its
-- SHA-256 (hex) and its first characters, so people can tell their keys apart.

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,          -- key_…
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,                      -- the key's first 8 characters (sbk_ + 4)
    key_hash     TEXT NOT NULL UNIQUE,               -- SHA-256 of the key, lowercase hex
    scopes       TEXT NOT NULL DEFAULT '["*"]',      -- JSON array of event types; ["*"] = all
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   INTEGER,                            -- NULL = never
    revoked_at   INTEGER,
    revoked_by   TEXT,
    last_used_at INTEGER
) STRICT;

-- Authentication finds candidates by prefix, then compares hashes in constant time.
CREATE INDEX api_keys_by_prefix ON api_keys (prefix);
