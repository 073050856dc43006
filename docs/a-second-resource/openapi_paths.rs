        post_routes::delete_post,
        comment_routes::create_comment,
        comment_routes::list_post_comments
    ),
