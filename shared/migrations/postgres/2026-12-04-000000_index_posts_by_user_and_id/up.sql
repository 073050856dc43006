-- A page of a user's posts by key, `WHERE user_id = ? AND id > ? ORDER BY id
-- LIMIT ?`, starts and ends inside this index whatever the depth: the posts
-- of a user sit in it in id order. It replaces the index on user_id alone,
-- which it also serves (a user's delete cascades by user_id).
DROP INDEX posts_user_id;
CREATE INDEX posts_user_id_id ON posts (user_id, id);
