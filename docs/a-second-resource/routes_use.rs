use shared::post_models::{Comment, NewComment, NewPost, Post, PostWithAuthor, post_not_found};
