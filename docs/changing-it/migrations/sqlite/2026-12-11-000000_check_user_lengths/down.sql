-- The table as it was, without the CHECKs: rebuilt the same way.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP VIEW exposed_users;
CREATE TABLE users_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(50) NOT NULL UNIQUE,
    email VARCHAR(120) NOT NULL UNIQUE,
    bio VARCHAR(160)
);
INSERT INTO users_old (id, name, email, bio) SELECT id, name, email, bio FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE VIEW exposed_users AS SELECT id, name, email, bio FROM users;
COMMIT;
PRAGMA foreign_keys = ON;
