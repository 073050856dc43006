        .service(delete_user)
        .service(get_user_named);
