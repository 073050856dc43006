//! Rows read by column name into JSON, with no struct per query.
//!
//! Diesel normally needs a Rust type for every column it reads. Here the
//! type is decided per value, at run time, from what the database says the
//! value is; a whole row becomes a `serde_json` object keyed by column name.
//!
//! A SQL `NULL` is left out of the object, as a model leaves out a field
//! that is `None` (`skip_serializing_if`): a nullable column is in the
//! answer when it holds a value.
//!
//! A joined row nests by column name too: a column named `author.id`
//! becomes the field `id` of an object `author` ([`row_to_json`]), and rows
//! that repeat a parent beside each of its children become one parent with
//! a list of them ([`parents_with_children`]). (A table's own columns never
//! hold a `.`: `reflected_table` leaves such a column out.)

use crate::json_cell::JsonCell;
use diesel_dynamic_schema::dynamic_value::{DynamicRow, NamedField};
use serde_json::{Map, Value};

/// A row as read by `sql_query` or a dynamic select: its fields in order,
/// each with its column name.
pub type NamedRow = DynamicRow<NamedField<JsonCell>>;

/// Turns a row into a JSON object, `{"id": 1, "name": "admin", …}`,
/// leaving out the columns that are `NULL`, and nesting a joined row by
/// column name: the columns `id, title, author.id, author.name` become
/// `{"id": …, "title": …, "author": {"id": …, "name": …}}`.
pub fn row_to_json(row: NamedRow) -> Value {
    Value::Object(nested_fields(row))
}

/// Joined rows, ordered by the parent's `id`, each a parent's columns and
/// one child's columns named `{children}.{column}` (all NULL for a parent
/// with no child, as a LEFT JOIN makes them), become one object per parent
/// with its children in a list: `[({"id": 1, …}, [{…}, {…}])]`.
pub fn parents_with_children(rows: Vec<NamedRow>, children: &str) -> Vec<(Value, Vec<Value>)> {
    let mut parents: Vec<(Value, Vec<Value>)> = Vec::new();
    for row in rows {
        let mut fields = nested_fields(row);
        // `shift_remove` keeps the order of the other fields.
        let child = fields
            .shift_remove(children)
            .filter(|child| !child["id"].is_null());
        let same_parent = parents
            .last()
            .is_some_and(|(last, _)| last.get("id") == fields.get("id"));
        if !same_parent {
            parents.push((Value::Object(fields), Vec::new()));
        }
        if let (Some(child), Some((_, list))) = (child, parents.last_mut()) {
            list.push(child);
        }
    }
    parents
}

/// The fields of a row, those named `parent.column` gathered into an
/// object `parent` where its first column was.
fn nested_fields(row: NamedRow) -> Map<String, Value> {
    let mut object = Map::new();
    for field in row {
        let value = field.value.0;
        if value.is_null() {
            continue;
        }
        match field.name.split_once('.') {
            Some((parent, column)) => {
                let nested = object
                    .entry(parent)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(nested) = nested {
                    nested.insert(column.to_owned(), value);
                }
            }
            None => {
                object.insert(field.name, value);
            }
        }
    }
    object
}
