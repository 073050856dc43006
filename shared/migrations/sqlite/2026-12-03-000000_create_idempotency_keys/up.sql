-- The answers of writes sent with an Idempotency-Key header, so that a repeat
-- gets the same answer instead of a second write (web_db::idempotency).
-- A row is inserted when a request claims its key and completed with the
-- answer in the same transaction as the write itself.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    -- What was asked (the route and the JSON body): a repeat must match it.
    request TEXT NOT NULL,
    -- Seconds since 1970: keys are forgotten a day after their first use.
    created_at BIGINT NOT NULL,
    status INTEGER,
    location TEXT,
    body TEXT
);
-- Expired keys are found by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
