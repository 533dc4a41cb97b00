-- Integrations with Twilio, Square and QuickBooks. Secrets are never stored here: they live in
-- the OS keychain under "integration/<id>/<field>", and `secrets_set` lists which are set.
CREATE TABLE integrations (
    id          TEXT PRIMARY KEY NOT NULL,
    provider    TEXT NOT NULL CHECK (provider IN ('twilio', 'square', 'quickbooks')),
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    environment TEXT NOT NULL,
    base_url    TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',   -- JSON object: the non-secret fields
    secrets_set TEXT NOT NULL DEFAULT '[]',   -- JSON array: names of secret fields that are set
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    revision    INTEGER NOT NULL DEFAULT 1,   -- bumped on every change; guards concurrent edits
    created_at  INTEGER NOT NULL,             -- unix milliseconds
    created_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL
) STRICT;

-- The audit log: append-only and hash-chained. `hash` = SHA-256 over `prev_hash` and the row's
-- canonical content, so an edited or deleted row breaks the chain at that point.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY NOT NULL,
    at           INTEGER NOT NULL,            -- unix milliseconds
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT,
    object_label TEXT,
    changes      TEXT NOT NULL DEFAULT '[]',  -- JSON array of field changes; never a secret value
    result       TEXT NOT NULL CHECK (result IN ('ok', 'refused', 'failed')),
    detail       TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
