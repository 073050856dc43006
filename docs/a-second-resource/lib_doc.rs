//! - [`comment_models`], [`comment_store`], [`comment_routes`]: comments on
//!   posts, a third resource: its model, its data access, its routes.
