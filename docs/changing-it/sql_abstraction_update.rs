        // One statement for every combination of fields: a NULL parameter
        // keeps the column as it is. A bio may be cleared, so NULL cannot
        // mean "keep" for it: $3 says whether to set it, $4 to what.
        let columns = self.users.column_list();
        let row: Option<NamedRow> = diesel::sql_query(format!(
            "UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email), \
             bio = CASE WHEN $3 THEN $4 ELSE bio END \
             WHERE id = $5 RETURNING {columns}"
        ))
        .bind::<Nullable<Text>, _>(&changes.name)
        .bind::<Nullable<Text>, _>(&changes.email)
        .bind::<Bool, _>(changes.bio.is_some())
        .bind::<Nullable<Text>, _>(changes.bio.as_ref().and_then(Option::as_deref))
        .bind::<BigInt, _>(id)
