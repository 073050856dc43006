-- A short text about the user; NULL when they gave none. The view that
-- says what the API serves of `users` selects it too: a client sees it.
-- (SQLite cannot change a view: it drops it and makes it again.)
ALTER TABLE users ADD COLUMN bio VARCHAR(160);
DROP VIEW exposed_users;
CREATE VIEW exposed_users AS SELECT id, name, email, bio FROM users;
