-- Local accounts. Passwords are Argon2id PHC strings; usernames compare case-insensitively.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,            -- usr_…
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('front_desk', 'manager', 'admin')),
    password_hash TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    last_login_at INTEGER
) STRICT;

-- Consecutive wrong passwords per typed username (existing or not, so throttling does not tell
-- which usernames exist). Cleared by a successful sign-in.
CREATE TABLE login_failures (
    username        TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
) STRICT;

-- The audit viewer filters by user and by action, newest first, at a million rows.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_actor_action ON audit_log (actor, action, seq);
CREATE INDEX audit_log_result ON audit_log (result, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_label ON audit_log (object_label COLLATE NOCASE, seq);
CREATE INDEX audit_log_object_id ON audit_log (object_id, seq);
CREATE INDEX delivery_attempts_at ON delivery_attempts (at);
