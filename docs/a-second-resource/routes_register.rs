        .service(create_post)
        .service(create_comment)
        .service(list_post_comments)
        .service(get_comment);
