-- caseflow records and outbox, for SQLite and PostgreSQL alike.
-- {{serial}} and {{timestamp}} are filled per dialect by the store; every statement
-- ends with ";" at the end of its line. Lists and maps are JSON text ('' when empty).

-- counters hands out gap-free numbers: UPDATE ... SET value = value + 1 RETURNING
-- value in the transaction that inserts the numbered row.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('consultation', 0), ('service_request', 0), ('ticket', 0), ('claim', 0);

CREATE TABLE consultations (
    seq         BIGINT PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    number      TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    fields      TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL
);
CREATE INDEX consultations_case_id ON consultations (case_id);

CREATE TABLE service_requests (
    seq                 BIGINT PRIMARY KEY,
    key                 TEXT NOT NULL UNIQUE,
    case_id             TEXT NOT NULL,
    number              TEXT NOT NULL UNIQUE,
    consultation_number TEXT NOT NULL,
    asc_name            TEXT NOT NULL,
    priority            TEXT NOT NULL,
    description         TEXT NOT NULL,
    plc                 BOOLEAN NOT NULL,
    created_at          {{timestamp}} NOT NULL
);
CREATE INDEX service_requests_case_id ON service_requests (case_id);

CREATE TABLE tickets (
    id           BIGINT PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    case_id      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    category     TEXT NOT NULL,
    tag          TEXT NOT NULL,
    status       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    planned_date TEXT NOT NULL,
    to_addrs     TEXT NOT NULL,
    cc_addrs     TEXT NOT NULL,
    linked       TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE INDEX tickets_case_id ON tickets (case_id);

CREATE TABLE ticket_comments (
    id         {{serial}},
    key        TEXT NOT NULL UNIQUE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    body       TEXT NOT NULL,
    is_private BOOLEAN NOT NULL,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX ticket_comments_ticket_id ON ticket_comments (ticket_id);

CREATE TABLE claims (
    number        BIGINT PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    case_id       TEXT NOT NULL,
    title         TEXT NOT NULL,
    stage         TEXT NOT NULL,
    fields        TEXT NOT NULL,
    registered_at {{timestamp}} NOT NULL,
    updated_at    {{timestamp}} NOT NULL
);
CREATE INDEX claims_case_id ON claims (case_id);

CREATE TABLE claim_tasks (
    id           {{serial}},
    key          TEXT NOT NULL UNIQUE,
    claim_number BIGINT NOT NULL REFERENCES claims (number),
    title        TEXT NOT NULL,
    assignee     TEXT NOT NULL,
    due          {{timestamp}},
    status       TEXT NOT NULL,
    report       TEXT NOT NULL,
    completed_at {{timestamp}}
);
CREATE INDEX claim_tasks_claim_number ON claim_tasks (claim_number);

-- outbox keeps every letter by its idempotency key: pending (reserved, not yet
-- delivered or awaiting a retry), sent (delivered, or "would send" in dev mode),
-- failed (refused for good; error says why).
CREATE TABLE outbox (
    id          {{serial}},
    key         TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    step        TEXT NOT NULL,
    from_addr   TEXT NOT NULL,
    to_addrs    TEXT NOT NULL,
    cc_addrs    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    attachments TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    error       TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL,
    sent_at     {{timestamp}}
);
CREATE INDEX outbox_status_id ON outbox (status, id);
CREATE INDEX outbox_case_id_id ON outbox (case_id, id);
