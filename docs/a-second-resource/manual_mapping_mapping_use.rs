use shared::post_models::{Comment, NewPost, Post, PostWithAuthor, UserWithPosts};
use shared::schema::{comments, posts};
