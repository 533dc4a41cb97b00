-- Every connection test, kept for the history view and the status rules.
CREATE TABLE connection_tests (
    id               INTEGER PRIMARY KEY,
    integration_id   TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,          -- unix milliseconds, when the test finished
    outcome          TEXT NOT NULL,             -- see checks::OutcomeKind
    http_status      INTEGER,
    provider_code    TEXT,
    provider_message TEXT,
    error_class      TEXT,                      -- dns, connect, tls, timeout, body, …
    latency_ms       INTEGER NOT NULL,
    retry_after_s    INTEGER,
    summary          TEXT NOT NULL,             -- one sentence: what happened
    action           TEXT NOT NULL              -- one sentence: what to do
) STRICT;

CREATE INDEX connection_tests_by_integration ON connection_tests (integration_id, at DESC);
-- The status rules ask for the last success of each integration.
CREATE INDEX connection_tests_by_outcome ON connection_tests (integration_id, outcome, at);

-- Token lifetimes learned from providers (QuickBooks refresh tokens), for the status rules.
ALTER TABLE integrations ADD COLUMN refresh_token_expires_at INTEGER;
ALTER TABLE integrations ADD COLUMN access_token_expires_at INTEGER;
