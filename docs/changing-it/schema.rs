        email -> Varchar,
        /// Up to 160 characters about the user, or NULL.
        #[max_length = 160]
        bio -> Nullable<Varchar>,
