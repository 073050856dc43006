//! The data access of posts, and of what joins them to users.
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
//! - a user with its first posts is one INSERT per row, in the transaction
//!   the route makes, so that if any is refused, none is kept.
//!
//! No read here costs a query per row (N+1): a page of posts with their
//! authors, or of users with their posts, takes the same number of
//! statements whatever its size.

use diesel::prelude::*;
use shared::listing::UserListing;
use shared::models::{NewUser, User};
use shared::post_models::{EMBEDDED_POSTS, NewPost, Post, PostWithAuthor, UserWithPosts, coalesce};
use shared::schema::{posts, users};
use web_db::DbConnection;
use web_db::paging::Page;

use crate::store::Store;

impl Store {
    /// Inserts a post of the user `user_id`, returning it with its new id.
    /// The database refuses a user that does not exist (the foreign key),
    /// even one deleted a moment ago by another request.
    pub fn create_post(
        &self,
        conn: &mut DbConnection,
        user_id: i64,
        new_post: &NewPost,
    ) -> QueryResult<Post> {
        // The `NewPost` from the request, and the user from the path.
        diesel::insert_into(posts::table)
            .values((posts::user_id.eq(user_id), new_post))
            .get_result(conn)
    }

    /// One page of the posts of a user, in id order; `None` if there is no
    /// such user.
    pub fn posts_of_user(
        &self,
        conn: &mut DbConnection,
        user_id: i64,
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

    /// One page of every post in id order, each with its author.
    pub fn list_posts(
        &self,
        conn: &mut DbConnection,
        page: &Page,
    ) -> QueryResult<Vec<PostWithAuthor>> {
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

    /// The post with this id and its author, if there is one.
    pub fn find_post(
        &self,
        conn: &mut DbConnection,
        id: i64,
    ) -> QueryResult<Option<PostWithAuthor>> {
        let row: Option<(Post, User)> = web_db::on_backend!(
            conn,
            posts::table
                .inner_join(users::table)
                .filter(posts::id.eq(id))
                .select((Post::as_select(), User::as_select()))
                .first(conn)
                .optional()
        )?;
        Ok(row.map(with_author))
    }

    /// Deletes a post; false if there was no such post.
    pub fn delete_post(&self, conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        let deleted = diesel::delete(posts::table.find(id)).execute(conn)?;
        Ok(deleted > 0)
    }

    /// The page of users [`Store::list_users`] returns, each with its first
    /// posts: `EMBEDDED_POSTS` at most, and where the rest are.
    pub fn list_users_with_posts(
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
        let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
        let posts: Vec<Post> = users::table
            .inner_join(posts::table)
            .filter(users::id.eq_any(ids))
            .filter(posts::id.le(coalesce(cut, i64::MAX)))
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

    /// Inserts a user, then its first posts: a write across two tables. It
    /// runs in the one transaction the route makes, so a post the database
    /// refuses takes the user with it.
    pub fn create_user_with_posts(
        &self,
        conn: &mut DbConnection,
        new_user: &NewUser,
        first_posts: &[NewPost],
    ) -> QueryResult<UserWithPosts> {
        let user = self.create_user(conn, new_user)?;
        let posts = first_posts
            .iter()
            .map(|post| self.create_post(conn, user.id, post))
            .collect::<QueryResult<Vec<Post>>>()?;
        Ok(UserWithPosts::new(user, posts))
    }
}

/// A joined row, as the answer puts it: the post, with its author.
fn with_author((post, author): (Post, User)) -> PostWithAuthor {
    PostWithAuthor { post, author }
}
