use crate::schema::{comments, posts};
