-- Back to 32-bit ids: fails, and changes nothing, if an id no longer fits.
DROP VIEW exposed_posts;
DROP VIEW exposed_users;
ALTER TABLE posts ALTER COLUMN user_id TYPE INTEGER, ALTER COLUMN id TYPE INTEGER;
ALTER TABLE users ALTER COLUMN id TYPE INTEGER;
CREATE VIEW exposed_users AS SELECT id, name, email FROM users;
CREATE VIEW exposed_posts AS SELECT id, user_id, title, body FROM posts;
