-- ticket_replies keeps every public reply caseflow posted in a customer's own
-- ticket (a chat or mail ticket it did not open, by reference), once per key.
CREATE TABLE ticket_replies (
    id          {{serial}},
    key         TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    ticket      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL
);
CREATE INDEX ticket_replies_case_id_id ON ticket_replies (case_id, id);

-- ticket_assignments keeps every hand-over of a ticket to a group (the PLC
-- ticket to the claims group with the НРП act), once per key.
CREATE TABLE ticket_assignments (
    id          {{serial}},
    key         TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    group_name  TEXT NOT NULL,
    created_at  {{timestamp}} NOT NULL
);
CREATE INDEX ticket_assignments_case_id_id ON ticket_assignments (case_id, id);
