use diesel::sql_types::{BigInt, Bool, Nullable, Text, Untyped};
