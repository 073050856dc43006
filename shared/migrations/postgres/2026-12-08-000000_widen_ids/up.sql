-- Ids were INTEGER, 32 bits: the 2,147,483,648th user or post would have
-- had no id to take. BIGINT gives them 64 bits, as Rails and Django do by
-- default. Every row keeps its id, the identity sequences are widened with
-- their columns, and the indexes and the foreign key are rebuilt. The views
-- name the columns, so they are made again around the change.
DROP VIEW exposed_posts;
DROP VIEW exposed_users;
ALTER TABLE posts ALTER COLUMN user_id TYPE BIGINT, ALTER COLUMN id TYPE BIGINT;
ALTER TABLE users ALTER COLUMN id TYPE BIGINT;
CREATE VIEW exposed_users AS SELECT id, name, email FROM users;
CREATE VIEW exposed_posts AS SELECT id, user_id, title, body FROM posts;
