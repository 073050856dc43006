-- SQLite ignores VARCHAR lengths and cannot add a CHECK to a table that
-- exists: it makes the table again, with the CHECKs, and copies the rows
-- (a "rebuild"). Foreign keys go off first, so that dropping the old table
-- does not delete every post through ON DELETE CASCADE; SQLite ignores
-- that PRAGMA inside a transaction, hence run_in_transaction = false in
-- metadata.toml and a transaction of our own after it. A view that reads
-- the table would stop the rename at the end ("error in view"): it is
-- dropped first and made again after.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP VIEW exposed_users;
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(50) NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    email VARCHAR(120) NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 120),
    bio VARCHAR(160) CHECK (length(bio) <= 160)
);
INSERT INTO users_new (id, name, email, bio) SELECT id, name, email, bio FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE VIEW exposed_users AS SELECT id, name, email, bio FROM users;
COMMIT;
PRAGMA foreign_keys = ON;
