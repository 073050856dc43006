        routes::delete_user,
        routes::get_user_named,
