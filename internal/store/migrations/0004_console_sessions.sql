-- console_sessions keeps the operator console's logins: the SHA-256 of the
-- session cookie's random ID (never the ID itself), the caller and role the
-- token named, and the times that bound it (idle and absolute expiry).
CREATE TABLE console_sessions (
    id_hash     TEXT PRIMARY KEY,
    caller      TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL,
    seen_at     {{timestamp}} NOT NULL
);
CREATE INDEX console_sessions_seen_at ON console_sessions (seen_at);
