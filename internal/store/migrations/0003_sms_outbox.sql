-- sms_outbox keeps every text message by its idempotency key, once: the
-- Infocentre's SMS program (or a gateway) delivers the queued ones.
CREATE TABLE sms_outbox (
    id          {{serial}},
    key         TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    step        TEXT NOT NULL,
    to_number   TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL
);
CREATE INDEX sms_outbox_case_id_id ON sms_outbox (case_id, id);
