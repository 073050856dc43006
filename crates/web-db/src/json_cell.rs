//! A column's value of whatever type the database says it is, read as
//! JSON: for rows read by column name at run time (with
//! `diesel-dynamic-schema`'s `DynamicRow`, from `sql_query` or a dynamic
//! select), where no Rust type is written for each column.
//!
//! Integers, floats, text and booleans become JSON numbers, strings and
//! booleans, and `NULL` becomes `null`; a value of any other type is an
//! error that names it. [`reads_column_type`] tells, from a catalog's
//! description of a column, whether its values can be read here.

use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool, Double, Integer, SmallInt, Text};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel_dynamic_schema::dynamic_value::Any;
use serde_json::Value;

use crate::connection::{DbBackend, DbConnection, DbRawValue};

/// One value of a row, already turned into JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonCell(pub Value);

/// Whether the values of a column declared with this type (as the catalog
/// names it) become JSON here. On SQLite the type is a value's, not its
/// column's, so any column but one declared for bytes; on PostgreSQL, the
/// types read below.
pub fn reads_column_type(conn: &DbConnection, declared_type: &str) -> bool {
    match conn {
        DbConnection::Sqlite(_) => !declared_type.to_uppercase().contains("BLOB"),
        DbConnection::Postgres(_) => matches!(
            declared_type,
            "integer"
                | "bigint"
                | "smallint"
                | "text"
                | "character varying"
                | "boolean"
                | "double precision"
        ),
    }
}

// PostgreSQL type ids (pg_type.oid) of the column types this app reads.
const PG_BOOL: u32 = 16;
const PG_INT8: u32 = 20;
const PG_INT2: u32 = 21;
const PG_INT4: u32 = 23;
const PG_TEXT: u32 = 25;
const PG_FLOAT8: u32 = 701;
const PG_VARCHAR: u32 = 1043;

/// Reads any value the app's tables hold, on either backend, by asking the
/// value what type it is: SQLite stores a type with every value, PostgreSQL
/// sends the type id of every column.
impl FromSql<Any, DbBackend> for JsonCell {
    /// SQL `NULL` is JSON `null`.
    fn from_nullable_sql(value: Option<DbRawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(JsonCell(Value::Null)),
        }
    }

    fn from_sql(value: DbRawValue<'_>) -> deserialize::Result<Self> {
        match value {
            DbRawValue::Sqlite(value) => match value.value_type() {
                Some(SqliteType::Long) => {
                    <i64 as FromSql<BigInt, Sqlite>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                Some(SqliteType::Double) => {
                    <f64 as FromSql<Double, Sqlite>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                Some(SqliteType::Text) => {
                    <String as FromSql<Text, Sqlite>>::from_sql(value).map(|s| JsonCell(s.into()))
                }
                other => Err(format!("no JSON form for a SQLite value of type {other:?}").into()),
            },
            DbRawValue::Postgres(value) => match value.get_oid().get() {
                PG_INT4 => {
                    <i32 as FromSql<Integer, Pg>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                PG_INT8 => {
                    <i64 as FromSql<BigInt, Pg>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                PG_INT2 => {
                    <i16 as FromSql<SmallInt, Pg>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                PG_TEXT | PG_VARCHAR => {
                    <String as FromSql<Text, Pg>>::from_sql(value).map(|s| JsonCell(s.into()))
                }
                PG_BOOL => <bool as FromSql<Bool, Pg>>::from_sql(value).map(|b| JsonCell(b.into())),
                PG_FLOAT8 => {
                    <f64 as FromSql<Double, Pg>>::from_sql(value).map(|n| JsonCell(n.into()))
                }
                oid => Err(format!("no JSON form for a PostgreSQL value of type oid {oid}").into()),
            },
        }
    }
}
