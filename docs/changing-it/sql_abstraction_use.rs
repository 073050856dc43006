use diesel::sql_types::{Bool, Integer, Nullable, Text};
