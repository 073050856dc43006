use shared::post_models::{EMBEDDED_POSTS, NewComment, NewPost, keep_embedded_posts};
