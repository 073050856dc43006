//! The data access of posts in the declarative pattern, and of what joins
//! them to users.
//!
//! The relation is declared once, in derives and in `schema.rs`:
//! `Post` derives `Associations` with `belongs_to(User)`, and
//! `joinable!(posts -> users (user_id))` tells the query DSL how the two
//! tables join. From there:
//!
//! - a post with its author is one SELECT with a join, read into a
//!   `(Post, User)` pair by `as_select()`;
//! - users with their posts are two SELECTs whatever the page size: the
//!   page of users, then the first posts of each (a join, cut per user by a
//!   subquery), which `grouped_by` deals out to them;
//! - a user with its first posts is `PostStore::create_user_with_posts`,
//!   written once in the trait over `create_user` and `create_post`: one
//!   INSERT per row, in the transaction the route makes, so that if any is
//!   refused, none is kept. This store only says how a user and its posts
//!   make one answer (`user_with_posts`).

use diesel::prelude::*;
use shared::DbConnection;
use shared::listing::UserListing;
use web_db::paging::Page;
use shared::models::User;
use shared::post_models::{EMBEDDED_POSTS, NewPost, Post, PostWithAuthor, UserWithPosts, coalesce};
use shared::post_store::PostStore;
use shared::schema::{posts, users};
use shared::user_store::UserStore;

use crate::store::Store;

impl PostStore for Store {
    type Post = Post;
    type PostWithAuthor = PostWithAuthor;
    type UserWithPosts = UserWithPosts;

    fn create_post(
        &self,
        conn: &mut DbConnection,
        user_id: i32,
        new_post: &NewPost,
    ) -> QueryResult<Post> {
        // The `NewPost` from the request, and the user from the path.
        diesel::insert_into(posts::table)
            .values((posts::user_id.eq(user_id), new_post))
            .get_result(conn)
    }

    fn posts_of_user(
        &self,
        conn: &mut DbConnection,
        user_id: i32,
        page: &Page,
    ) -> QueryResult<Option<Vec<Post>>> {
        let Some(user) = self.find_user(conn, user_id)? else {
            return Ok(None);
        };
        Post::belonging_to(&user)
            .select(Post::as_select())
            .filter(posts::id.gt(page.after))
            .order(posts::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)
            .map(Some)
    }

    fn list_posts(&self, conn: &mut DbConnection, page: &Page) -> QueryResult<Vec<PostWithAuthor>> {
        let rows: Vec<(Post, User)> = posts::table
            .inner_join(users::table)
            .select((Post::as_select(), User::as_select()))
            .filter(posts::id.gt(page.after))
            .order(posts::id.asc())
            .limit(page.limit)
            .offset(page.offset)
            .load(conn)?;
        Ok(rows.into_iter().map(with_author).collect())
    }

    fn find_post(&self, conn: &mut DbConnection, id: i32) -> QueryResult<Option<PostWithAuthor>> {
        let row: Option<(Post, User)> = posts::table
            .inner_join(users::table)
            .filter(posts::id.eq(id))
            .select((Post::as_select(), User::as_select()))
            .first(conn)
            .optional()?;
        Ok(row.map(with_author))
    }

    fn delete_post(&self, conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
        let deleted = diesel::delete(posts::table.find(id)).execute(conn)?;
        Ok(deleted > 0)
    }

    fn list_users_with_posts(
        &self,
        conn: &mut DbConnection,
        listing: &UserListing,
    ) -> QueryResult<Vec<UserWithPosts>> {
        let users = self.list_users(conn, listing)?;
        // Each user's posts up to its 11th, one more than are embedded (to
        // know if there are more): a subquery per user finds that post's id
        // in the index on (user_id, id), so a user with a million posts
        // costs 11 entries of it, not a million rows.
        let later = diesel::alias!(posts as later);
        let cut = later
            .filter(later.field(posts::user_id).eq(users::id))
            .select(later.field(posts::id))
            .order(later.field(posts::id).asc())
            .offset(EMBEDDED_POSTS as i64)
            .single_value();
        let ids: Vec<i32> = users.iter().map(|user| user.id).collect();
        let posts: Vec<Post> = users::table
            .inner_join(posts::table)
            .filter(users::id.eq_any(ids))
            .filter(posts::id.le(coalesce(cut, i32::MAX)))
            .select(Post::as_select())
            .order(posts::id.asc())
            .load(conn)?;
        // One Vec of posts per user, in the order of `users`; each user
        // keeps its first posts (`UserWithPosts::new`).
        let grouped = posts.grouped_by(&users);
        Ok(users
            .into_iter()
            .zip(grouped)
            .map(|(user, posts)| UserWithPosts::new(user, posts))
            .collect())
    }

    fn user_with_posts(user: User, posts: Vec<Post>) -> UserWithPosts {
        UserWithPosts::new(user, posts)
    }
}

/// A joined row, as the answer puts it: the post, with its author.
fn with_author((post, author): (Post, User)) -> PostWithAuthor {
    PostWithAuthor { post, author }
}
