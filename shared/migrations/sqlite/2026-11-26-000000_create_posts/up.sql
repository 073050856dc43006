-- Every post belongs to a user. SQLite enforces the foreign key only on
-- connections that set `PRAGMA foreign_keys = ON`, which every connection
-- the app opens does (web_db::connection); ON DELETE CASCADE then
-- removes a user's posts with the user, in the same statement.
-- SQLite ignores VARCHAR lengths, so the CHECKs hold the limits that
-- PostgreSQL's VARCHAR holds: the app checks them first (src/post_models.rs).
CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL CHECK (length(title) <= 200),
    body VARCHAR(2000) NOT NULL CHECK (length(body) <= 2000)
);
-- A user's posts are looked up by user_id (and a delete cascades by it).
CREATE INDEX posts_user_id ON posts (user_id);
