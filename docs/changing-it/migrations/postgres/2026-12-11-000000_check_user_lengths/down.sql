ALTER TABLE users
    DROP CONSTRAINT users_name_length,
    DROP CONSTRAINT users_email_length;
