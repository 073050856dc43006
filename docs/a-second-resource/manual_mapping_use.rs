use shared::post_models::{
    Comment, EMBEDDED_POSTS, NewComment, NewPost, Post, PostWithAuthor, UserWithPosts, coalesce,
};
use shared::schema::{comments, posts, users};
