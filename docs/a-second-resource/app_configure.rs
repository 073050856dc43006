        .configure(shared::routes::routes::<store::Store>)
        .configure(shared::comment_routes::routes::<store::Store>)
