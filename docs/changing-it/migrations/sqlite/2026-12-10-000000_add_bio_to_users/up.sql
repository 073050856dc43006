-- A short text about the user; NULL when they gave none.
ALTER TABLE users ADD COLUMN bio VARCHAR(160);
