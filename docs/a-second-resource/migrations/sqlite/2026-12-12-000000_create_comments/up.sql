-- Comments on posts: each belongs to one post, and goes with it.
-- SQLite ignores VARCHAR lengths, so the CHECK holds the limit.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    body VARCHAR(500) NOT NULL CHECK (length(body) <= 500)
);
-- A post's comments are looked up by post_id (and a delete cascades by it).
CREATE INDEX comments_post_id ON comments (post_id);
