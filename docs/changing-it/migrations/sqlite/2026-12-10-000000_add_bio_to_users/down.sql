DROP VIEW exposed_users;
ALTER TABLE users DROP COLUMN bio;
CREATE VIEW exposed_users AS SELECT id, name, email FROM users;
