            .delete(delete_user::<S>),
    )
    .service(web::resource("/users/named/{name}").get(get_user_named::<S>));
}
