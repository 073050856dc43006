//! A column's value of whatever type the database says it is, read as
//! JSON: for rows read by column name at run time (with
//! `diesel-dynamic-schema`'s `DynamicRow`, from `sql_query` or a dynamic
//! select), where no Rust type is written for each column.
//!
//! Integers, floats, text and booleans become JSON numbers, strings and
//! booleans, and `NULL` becomes `null`; a value of any other type is an
//! error that names it. [`reads_column_type`] tells, from a catalog's
//! description of a column, whether its values can be read here.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool, Double, Integer, SmallInt, Text};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel_dynamic_schema::dynamic_value::Any;
use serde_json::Value;

use web_db::connection::{DbBackend, DbConnection, DbRawValue};

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
                Some(SqliteType::Long) => cell::<i64, BigInt, Sqlite>(value),
                Some(SqliteType::Double) => cell::<f64, Double, Sqlite>(value),
                Some(SqliteType::Text) => cell::<String, Text, Sqlite>(value),
                other => Err(format!("no JSON form for a SQLite value of type {other:?}").into()),
            },
            DbRawValue::Postgres(value) => match value.get_oid().get() {
                PG_INT4 => cell::<i32, Integer, Pg>(value),
                PG_INT8 => cell::<i64, BigInt, Pg>(value),
                PG_INT2 => cell::<i16, SmallInt, Pg>(value),
                PG_TEXT | PG_VARCHAR => cell::<String, Text, Pg>(value),
                PG_BOOL => cell::<bool, Bool, Pg>(value),
                PG_FLOAT8 => cell::<f64, Double, Pg>(value),
                oid => Err(format!("no JSON form for a PostgreSQL value of type oid {oid}").into()),
            },
        }
    }
}

/// `value` read as the Rust type `R` (diesel's reading of the SQL type `S`
/// on the backend `B`), as JSON.
fn cell<R, S, B>(value: B::RawValue<'_>) -> deserialize::Result<JsonCell>
where
    R: FromSql<S, B> + Into<Value>,
    B: Backend,
{
    R::from_sql(value).map(|read| JsonCell(read.into()))
}
