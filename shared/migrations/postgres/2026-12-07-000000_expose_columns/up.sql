-- What the API serves of each table, for code that reads the columns at
-- run time instead of naming them: the columns these views select. A column
-- added to a table is not served until a migration adds it to its view, so
-- a column nobody chose to show (a password hash, a token) never is.
CREATE VIEW exposed_users AS SELECT id, name, email FROM users;
CREATE VIEW exposed_posts AS SELECT id, user_id, title, body FROM posts;
