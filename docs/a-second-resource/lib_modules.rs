pub mod comment_models;
pub mod comment_routes;
pub mod comment_store;
pub mod connection;
