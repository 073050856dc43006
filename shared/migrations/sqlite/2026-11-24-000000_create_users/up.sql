-- SQLite ignores VARCHAR lengths: the app checks them (src/models.rs).
-- NOT NULL and UNIQUE hold here whatever the app does.
-- AUTOINCREMENT keeps ids of deleted users from coming back, as PostgreSQL does.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(50) NOT NULL UNIQUE,
    email VARCHAR(120) NOT NULL UNIQUE
);
