use crate::comment_models::{Comment, NewComment};
use crate::error::ErrorBody;
