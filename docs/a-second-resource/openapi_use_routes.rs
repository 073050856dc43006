use crate::{comment_routes, post_routes, routes};
