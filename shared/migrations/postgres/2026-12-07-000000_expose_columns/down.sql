DROP VIEW exposed_posts;
DROP VIEW exposed_users;
