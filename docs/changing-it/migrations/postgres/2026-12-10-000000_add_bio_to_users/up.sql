-- A short text about the user; NULL when they gave none. The view that
-- says what the API serves of `users` selects it too: a client sees it.
ALTER TABLE users ADD COLUMN bio VARCHAR(160);
CREATE OR REPLACE VIEW exposed_users AS SELECT id, name, email, bio FROM users;
