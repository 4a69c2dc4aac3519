-- discounts given to customers on a question, so that none is given again on
-- it within a window (the telecom CASE's discount rule, seed 003).
CREATE TABLE discounts (
    key      TEXT PRIMARY KEY,
    case_id  TEXT NOT NULL,
    customer TEXT NOT NULL,
    subject  TEXT NOT NULL,
    given_at {{timestamp}} NOT NULL
);
CREATE INDEX discounts_customer_subject ON discounts (customer, subject, given_at);
