//! A table read from the database's catalog when the app starts (what an
//! ORM calls reflecting, or autoloading, a table): here, the view of it that
//! says what the API serves.
//!
//! The store selects the columns found here, so its answers have the shape
//! the view has, not the shape the code was written for. Which columns of a
//! table are served is decided in one place, by one deliberate step: the
//! view `exposed_users` (or `exposed_posts`) that the migrations define
//! selects them. A column added to `users` by hand is served by no route
//! until a migration adds it to the view; once one does, it is in every
//! answer after the next start, with no code change. Until a restart the app
//! keeps selecting the columns it found: a column added meanwhile is not
//! served, and a column dropped meanwhile makes the queries that name it
//! fail (a 500 whose log line names the column) until the app starts again;
//! never an answer with a made-up value. (A column whose type changed
//! meanwhile is served: the library prepares again the statements
//! PostgreSQL refuses for it, see `web_db`'s `connection.rs`.)
//!
//! Why a view and not a list of names to hide: no list of forbidden names
//! is ever complete (`userpwd`, `refreshTok`, `cvv`, a fullwidth
//! `ｐａｓｓｗｏｒｄ`…), while a column nobody chose is never served, whatever
//! its name.

use diesel::prelude::*;
use diesel::sql_types::{Text, Untyped};
use diesel_dynamic_schema::{DynamicSelectClause, Table};
use web_db::DbConnection;
use web_db::connection::DbBackend;

use crate::json_cell::reads_column_type;

/// A table's name and the columns the catalog listed for it, in their order
/// in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectedTable {
    name: String,
    columns: Vec<String>,
}

/// One row of the catalog's description of a table.
#[derive(QueryableByName)]
struct CatalogColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
}

impl ReflectedTable {
    /// Reads the columns of the table or view `name` from the catalog:
    /// SQLite's `pragma_table_info`, PostgreSQL's
    /// `information_schema.columns` in the schema unqualified names resolve
    /// to. Columns named like what the answers nest (`nests`, and any name
    /// with a `.`), and columns whose values cannot be turned into JSON, are
    /// left out, with a warning; a view without one of the `required`
    /// columns (the ones the queries name) is an error, found now rather
    /// than on a request.
    pub fn read(
        conn: &mut DbConnection,
        name: &str,
        required: &[&str],
        nests: &[&str],
    ) -> QueryResult<Self> {
        let catalog = match conn {
            DbConnection::Sqlite(_) => {
                "SELECT name, type AS declared_type FROM pragma_table_info($1) ORDER BY cid"
            }
            DbConnection::Postgres(_) => {
                "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS declared_type \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position"
            }
        };
        let found: Vec<CatalogColumn> = diesel::sql_query(catalog)
            .bind::<Text, _>(name)
            .load(conn)?;
        let mut columns = Vec::new();
        for column in found {
            if column.name.contains('.') || nests.contains(&column.name.as_str()) {
                // `author.name` is how a joined row nests itself, and
                // `posts` the list a user's posts go in: a column of that
                // name would take their place in the answer.
                log::warn!(
                    "column {name}.{} is left out of the answers: the answers use that name \
                     for what they nest",
                    column.name
                );
            } else if reads_column_type(conn, &column.declared_type) {
                columns.push(column.name);
            } else {
                log::warn!(
                    "column {name}.{} ({}) is left out of the answers: no JSON form for its type",
                    column.name,
                    column.declared_type
                );
            }
        }
        if let Some(missing) = required.iter().find(|r| !columns.iter().any(|c| c == *r)) {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("{name} has no readable column {missing}, which the app needs").into(),
            ));
        }
        Ok(ReflectedTable {
            name: name.to_owned(),
            columns,
        })
    }

    /// The columns for SQL text: `"id", "name", "email"`. Each is quoted as
    /// an identifier (a `"` in a name doubled), so whatever the catalog
    /// said stays a name and never becomes SQL.
    pub fn column_list(&self) -> String {
        let quoted: Vec<String> = self.columns.iter().map(|c| quote(c)).collect();
        quoted.join(", ")
    }

    /// The columns for SQL text that reads the table under the name `alias`
    /// (`FROM posts AS p`), each renamed `"{prefix}.{column}"` when a prefix
    /// is given: `p."id" AS "author.id", …`. Names with a dot are how
    /// [`crate::json_rows`] nests a joined row.
    pub fn qualified_column_list(&self, alias: &str, prefix: Option<&str>) -> String {
        let column = |c: &String| match prefix {
            Some(prefix) => format!(
                "{alias}.{} AS {}",
                quote(c),
                quote(&format!("{prefix}.{c}"))
            ),
            None => format!("{alias}.{}", quote(c)),
        };
        let listed: Vec<String> = self.columns.iter().map(column).collect();
        listed.join(", ")
    }

    /// The table for `diesel-dynamic-schema`'s query builder.
    pub fn table(&self) -> Table<&str> {
        diesel_dynamic_schema::table(self.name.as_str())
    }

    /// Every column found, as the select clause of a query on [`Self::table`].
    pub fn select_all(&self) -> DynamicSelectClause<'_, DbBackend, Table<&str>> {
        let table = self.table();
        let mut select = DynamicSelectClause::new();
        for column in &self.columns {
            select.add_field(table.column::<Untyped, _>(column.as_str()));
        }
        select
    }
}

/// A name quoted as an SQL identifier, a `"` in it doubled: whatever the
/// catalog said stays a name and never becomes SQL.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
