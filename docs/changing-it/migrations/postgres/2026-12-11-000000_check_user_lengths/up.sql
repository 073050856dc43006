-- PostgreSQL changes a table's constraints in place, with no rebuild, and
-- its VARCHAR lengths already hold the upper limits: only the lower ones
-- are new. ADD CONSTRAINT checks the rows already there, and fails the
-- migration if one breaks the rule.
ALTER TABLE users
    ADD CONSTRAINT users_name_length CHECK (char_length(name) >= 1),
    ADD CONSTRAINT users_email_length CHECK (char_length(email) >= 3);
