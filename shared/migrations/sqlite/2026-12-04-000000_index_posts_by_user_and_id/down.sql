DROP INDEX posts_user_id_id;
CREATE INDEX posts_user_id ON posts (user_id);
