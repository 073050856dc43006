use crate::posts_mapping::{
    COMMENT_COLUMNS, CommentRow, POST_COLUMNS, POST_WITH_AUTHOR_COLUMNS, PostRow,
    PostWithAuthorRow, comment_from_row, insert_values, post_from_row, post_row,
    post_with_author_from_row, users_with_posts,
};
