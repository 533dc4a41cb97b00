-- Outgoing webhooks: endpoints, events (the outbox), deliveries and every attempt.

CREATE TABLE webhook_endpoints (
    id                TEXT PRIMARY KEY NOT NULL,
    url               TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    event_types       TEXT NOT NULL DEFAULT '["*"]',   -- JSON array; ["*"] = every event
    scheme            TEXT NOT NULL CHECK (scheme IN ('standard_webhooks', 'hmac_sha256_hex')),
    headers           TEXT NOT NULL DEFAULT '{}',      -- JSON object of custom headers
    timeout_ms        INTEGER NOT NULL DEFAULT 30000,
    allow_http        INTEGER NOT NULL DEFAULT 0,
    allow_private     INTEGER NOT NULL DEFAULT 0,
    enabled           INTEGER NOT NULL DEFAULT 1,
    disabled_reason   TEXT,
    -- The secret is in the keychain ("webhook/<id>/secret"); during a rotation the previous one
    -- ("webhook/<id>/previous_secret") stays valid until this time.
    previous_secret_expires_at INTEGER,
    failing_since     INTEGER,                         -- first failure since the last success
    revision          INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        INTEGER NOT NULL,
    updated_by        TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,                   -- evt_…, the idempotency key
    type       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    source     TEXT NOT NULL,                          -- ui, cli, api:<key name>
    body       BLOB NOT NULL                           -- the envelope, exactly the bytes sent
) STRICT;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    event_seq       INTEGER NOT NULL REFERENCES webhook_events (seq),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    -- pending (never tried), retrying (failed, tried again at next_attempt_at), succeeded, dead.
    -- A worker claims a due delivery by moving next_attempt_at to the end of its lease: if the
    -- worker dies, the delivery simply becomes due again.
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'retrying', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,        -- attempts in the current schedule
    total_attempts  INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    last_duration_ms INTEGER,
    acknowledged    INTEGER NOT NULL DEFAULT 0,        -- a dead delivery someone has seen
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- The worker's claim: due deliveries (and expired claims) in time order.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
-- The delivery log: newest first, per filter.
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_status ON deliveries (status, id);
CREATE INDEX deliveries_by_type ON deliveries (event_type, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_by_created ON deliveries (created_at, id);

CREATE TABLE delivery_attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    request_headers  TEXT NOT NULL,                    -- JSON; signatures and secret headers redacted
    status_code      INTEGER,
    error_class      TEXT,                             -- dns, connect, tls, timeout, redirect, http, blocked
    error            TEXT,
    response_body    BLOB,                             -- the first 64 KiB
    next_attempt_at  INTEGER
) STRICT;

CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, attempt);
