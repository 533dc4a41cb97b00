-- Sync: the rules an integration runs, the jobs they make, every attempt, and what the providers
-- hold for the clinic (customer and invoice mappings), the SMS opt-out list and the Square
-- watermark. Jobs are leased and retried exactly as deliveries are (see engine/): a claim moves
-- next_attempt_at to the end of the lease; recording the attempt sets its real next time.

CREATE TABLE sync_rules (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    rule           TEXT NOT NULL CHECK (rule IN ('appointment_texts', 'invoices', 'payments_in')),
    enabled        INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (integration_id, rule)
) STRICT;

CREATE TABLE sync_jobs (
    id               INTEGER PRIMARY KEY,
    integration_id   TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,                   -- the domain's JobKind (its rule follows)
    event_seq        INTEGER REFERENCES webhook_events (seq),
    event_id         TEXT,
    -- The clinic object in words ("Invoice VET-1042 · Jane Doe") and its key (the clinic's id),
    -- so a later event finds the job it changes (a cancellation cancels the reminder).
    subject          TEXT NOT NULL DEFAULT '',
    subject_key      TEXT,
    status           TEXT NOT NULL CHECK (status IN
                         ('pending', 'scheduled', 'succeeded', 'retrying', 'dead', 'skipped', 'cancelled')),
    reason           TEXT,                            -- why skipped, cancelled or dead, in plain words
    attempts         INTEGER NOT NULL DEFAULT 0,
    total_attempts   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    due_at           INTEGER,                         -- a scheduled job's time (reminders)
    last_status      INTEGER,
    last_error       TEXT,
    last_duration_ms INTEGER,
    provider_object  TEXT,                            -- "Invoice 145", "SM…"
    provider_state   TEXT,                            -- the provider's own state (a text's status)
    detail           TEXT NOT NULL DEFAULT '{}',      -- JSON: amounts QuickBooks computed, mismatch
    acknowledged     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX sync_jobs_due ON sync_jobs (next_attempt_at)
    WHERE status IN ('pending', 'scheduled', 'retrying');
CREATE INDEX sync_jobs_by_integration ON sync_jobs (integration_id, id);
-- The cards' counts: per integration and state, today's by update time.
CREATE INDEX sync_jobs_by_integration_status ON sync_jobs (integration_id, status, updated_at);
CREATE INDEX sync_jobs_by_status ON sync_jobs (status, id);
CREATE INDEX sync_jobs_by_subject ON sync_jobs (integration_id, subject_key);
CREATE INDEX sync_jobs_by_created ON sync_jobs (created_at, id);

CREATE TABLE sync_attempts (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL REFERENCES sync_jobs (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    request          TEXT NOT NULL,                   -- JSON: method, path, body; secrets scrubbed
    status_code      INTEGER,
    error_class      TEXT,
    error            TEXT,
    response_body    BLOB,                            -- the first 64 KiB
    next_attempt_at  INTEGER
) STRICT;

CREATE INDEX sync_attempts_by_job ON sync_attempts (job_id, attempt);

-- What the provider calls a clinic object: owner → QuickBooks Customer, invoice → Invoice.
CREATE TABLE sync_links (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('customer', 'invoice', 'payment')),
    clinic_id      TEXT NOT NULL,
    provider_id    TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (integration_id, kind, clinic_id)
) STRICT;

-- Numbers that answered STOP (Twilio 21610): never texted again until a manager clears them.
CREATE TABLE sms_opt_outs (
    phone      TEXT PRIMARY KEY NOT NULL,            -- E.164
    since      INTEGER NOT NULL,
    source     TEXT NOT NULL                          -- twilio:21610, or the user who added it
) STRICT;

-- Small per-integration sync state: the Square watermark.
CREATE TABLE sync_state (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (integration_id, key)
) STRICT;
