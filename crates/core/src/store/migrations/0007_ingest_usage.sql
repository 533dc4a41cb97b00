-- The ingest API's usage log: an event accepted from an API key names that key, so a key's recent
-- uses are read from the events themselves (no audit row per accepted event; refusals alone go to
-- the audit chain, aggregated). No foreign key: keys are revoked, never deleted, and the check
-- would cost a look-up per insert on the hot path.
ALTER TABLE webhook_events ADD COLUMN api_key_id TEXT;

-- "Recent uses of a key", newest first, by keyset on seq. Partial: events from the UI and the CLI
-- are not in it.
CREATE INDEX webhook_events_by_api_key ON webhook_events (api_key_id, seq)
    WHERE api_key_id IS NOT NULL;
