//! How a file of this repository is rewritten for a standalone app: paths to
//! other crates of the workspace become paths inside the app, and the few
//! sentences that only make sense beside the other patterns are replaced.
//!
//! Every edit must find its text. When a source file changes so that an edit
//! no longer matches, generation fails (and with it the test that generates
//! every pattern), rather than leaving a stale sentence in someone's app.

use crate::patterns::PatternSpec;

/// One replacement in one file of the repository.
pub struct Edit {
    /// The file, relative to the repository root.
    pub file: &'static str,
    /// The text to find (every occurrence is replaced; at least one must exist).
    pub find: &'static str,
    /// What replaces it.
    pub replace: String,
}

impl Edit {
    fn new(file: &'static str, find: &'static str, replace: &str) -> Edit {
        Edit {
            file,
            find,
            replace: replace.to_string(),
        }
    }
}

/// Where a copied file lands, which decides how it names the app's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A module of the app's library: `crate::…`.
    Library,
    /// `src/main.rs` or a test: the library by its crate name.
    Outside,
}

/// The names a rewrite needs.
pub struct Names<'a> {
    /// The app's package name, e.g. `my-service`.
    pub package: &'a str,
    /// Its crate name, e.g. `my_service`.
    pub app_crate: &'a str,
    /// The pattern copied.
    pub pattern: &'a PatternSpec,
}

/// The sentences to replace for `pattern`. Paths are handled by
/// [`rewrite_paths`]; these are the words.
pub fn edits_for(pattern: &PatternSpec) -> Vec<Edit> {
    let edits = vec![
        Edit::new(
            "shared/src/models.rs",
            "//! The derives are what the *declarative* pattern is about: they map `User` to\n\
             //! the `users` table. The other patterns use the same types without them.",
            pattern.models_note,
        ),
        Edit::new(
            "shared/src/post_models.rs",
            "//! As on `User`, the derives are the *declarative* pattern's mapping:\n\
             //! `Associations` with `belongs_to(User)` is what lets it load\n\
             //! `Post::belonging_to(&users)` and sort the posts with `grouped_by`. The\n\
             //! other patterns use the same types without them.",
            pattern.post_models_note,
        ),
        Edit::new(
            "shared/src/lib.rs",
            "//! What every pattern serves, but for its data access:",
            "//! What the app serves, but for its data access:",
        ),
    ];
    edits
}

/// The diesel derives and attributes that map a model to its table, which
/// only a store that uses them (the declarative one) needs.
const MAPPING_DERIVES: &[&str] = &[
    "Queryable",
    "Selectable",
    "Insertable",
    "AsChangeset",
    "Identifiable",
    "Associations",
];

/// `text` without the SQL functions it declares for diesel's query DSL
/// (`#[diesel::declare_sql_function] extern "SQL" { … }`) and their SQL
/// types' import: the app of a pattern that writes its SQL as text has
/// no use for them.
pub fn without_sql_functions(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("use diesel::sql_types::") {
            continue;
        }
        if line == "#[diesel::declare_sql_function]" {
            lines.by_ref().find(|l| *l == "}");
            while kept.last().is_some_and(|l| l.is_empty()) {
                kept.pop();
            }
            continue;
        }
        kept.push(line);
    }
    let mut out = kept.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A model file without its mapping to the tables, for an app whose store
/// maps rows itself: no diesel derive, no `#[diesel(…)]` attribute, no `use`
/// of the schema or of diesel's prelude they needed. Whatever the models
/// hold (a resource added since is stripped the same way); a `#[derive]`
/// left empty goes, with the comments just above it.
pub fn without_diesel_mapping(text: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[diesel(")
            || trimmed.starts_with("use crate::schema::")
            || trimmed == "use diesel::prelude::*;"
        {
            continue;
        }
        if let Some(list) = trimmed
            .strip_prefix("#[derive(")
            .and_then(|rest| rest.strip_suffix(")]"))
        {
            let derives: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty() && !MAPPING_DERIVES.contains(d))
                .collect();
            if derives.is_empty() {
                while kept
                    .last()
                    .is_some_and(|l| l.trim_start().starts_with("//"))
                {
                    kept.pop();
                }
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            kept.push(format!("{indent}#[derive({})]", derives.join(", ")));
            continue;
        }
        kept.push(line.to_owned());
    }
    let mut out = kept.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Applies every edit meant for `file` to `text`; an edit that finds nothing
/// is an error naming it.
pub fn apply_edits(file: &str, mut text: String, edits: &[Edit]) -> Result<String, String> {
    for edit in edits.iter().filter(|e| e.file == file) {
        if !text.contains(edit.find) {
            return Err(format!(
                "{file} no longer contains {:?}: update the generator's edits in tools/new-app/src/rewrite.rs",
                edit.find
            ));
        }
        text = text.replace(edit.find, &edit.replace);
    }
    Ok(text)
}

/// Rewrites the paths into other crates of the workspace (`shared::` and
/// the pattern's crate) into paths inside the app. `web_db::` stays: the
/// library is a crate of the app's too.
pub fn rewrite_paths(text: &str, place: Place, names: &Names) -> String {
    let library = match place {
        Place::Library => "crate",
        Place::Outside => names.app_crate,
    };
    let pattern_crate = names.pattern.name.replace('-', "_");
    let mut text = replace_path(text, "shared", library);
    text = replace_path(&text, &pattern_crate, library);
    if place == Place::Library {
        text = group_crate_imports(&text);
    }
    text.replace(
        &format!("CARGO_BIN_EXE_{}", names.pattern.name),
        &format!("CARGO_BIN_EXE_{}", names.package),
    )
}

/// Puts the `use crate::…` statements of a block of imports in a group of
/// their own after the others, as one writes them by hand: what were imports
/// from `shared` are now the app's own. (rustfmt sorts inside a group, and
/// never across the blank line between groups.)
fn group_crate_imports(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let is_crate_use = |i: usize| lines.get(i).is_some_and(|l| l.starts_with("use crate::"));
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with("use ") {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let (mut others, mut crates) = (Vec::new(), Vec::new());
        loop {
            let start = i;
            while i + 1 < lines.len() && !lines[i].trim_end().ends_with(';') {
                i += 1;
            }
            let statement = lines[start..=i].join("\n");
            if is_crate_use(start) {
                crates.push(statement);
            } else {
                others.push(statement);
            }
            i += 1;
            if lines.get(i).is_some_and(|l| l.starts_with("use ")) {
                continue;
            }
            // A group of `use crate::` just after joins the one being built.
            if !crates.is_empty()
                && lines.get(i).is_some_and(|l| l.is_empty())
                && is_crate_use(i + 1)
            {
                i += 1;
                continue;
            }
            break;
        }
        let separate = !others.is_empty() && !crates.is_empty();
        out.extend(others);
        if separate {
            out.push(String::new());
        }
        out.extend(crates);
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// Whether `text` has a path starting with the segment `name::`.
pub fn names_path(text: &str, name: &str) -> bool {
    replace_path(text, name, "\u{0}") != text
}

/// Whether what comes `before` a segment leaves it at the start of a path
/// (not inside a longer name such as `unshared::`, nor after `a::`).
fn starts_a_path(before: &str) -> bool {
    !before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':')
}

/// Replaces the path segment `from::` by `to::` wherever it starts a path.
fn replace_path(text: &str, from: &str, to: &str) -> String {
    let needle = format!("{from}::");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let before = &rest[..at];
        let starts_a_path = starts_a_path(before);
        out.push_str(before);
        out.push_str(if starts_a_path { to } else { from });
        out.push_str("::");
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_functions_for_the_dsl_go_with_their_import() {
        let text = "use diesel::sql_types::{BigInt, Nullable};\nuse serde::Serialize;\n\npub const N: usize = 1;\n\n#[diesel::declare_sql_function]\nextern \"SQL\" {\n    /// Doc.\n    fn coalesce(value: Nullable<BigInt>, otherwise: BigInt) -> BigInt;\n}\n\n/// Next.\npub fn next() {}\n";
        assert_eq!(
            without_sql_functions(text),
            "use serde::Serialize;\n\npub const N: usize = 1;\n\n/// Next.\npub fn next() {}\n"
        );
    }
    use crate::patterns::find;

    fn names() -> Names<'static> {
        Names {
            package: "my-service",
            app_crate: "my_service",
            pattern: find("manual-mapping").expect("a pattern"),
        }
    }

    #[test]
    fn library_paths_become_crate_paths() {
        let text = "use shared::models::User;\nuse web_db::DbConnection;\n";
        assert_eq!(
            rewrite_paths(text, Place::Library, &names()),
            "use web_db::DbConnection;\n\nuse crate::models::User;\n"
        );
    }

    #[test]
    fn outside_the_library_paths_name_the_app() {
        let text = "use manual_mapping::store::Store;\nshared::cli::announce(x);\nenv!(\"CARGO_BIN_EXE_manual-mapping\")";
        assert_eq!(
            rewrite_paths(text, Place::Outside, &names()),
            "use my_service::store::Store;\nmy_service::cli::announce(x);\nenv!(\"CARGO_BIN_EXE_my-service\")"
        );
    }

    #[test]
    fn longer_names_and_macro_paths_are_left_alone() {
        let text = "unshared::x; $crate::shared::y; a::shared::z;";
        assert_eq!(rewrite_paths(text, Place::Library, &names()), text);
    }

    #[test]
    fn imports_of_the_app_get_a_group_of_their_own() {
        let text = "use diesel::prelude::*;\nuse shared::models::{\n    User,\n};\nuse web_db::DbPool;\n\nuse crate::users_mapping::x;\n\nfn f() {}\n";
        assert_eq!(
            rewrite_paths(text, Place::Library, &names()),
            "use diesel::prelude::*;\nuse web_db::DbPool;\n\nuse crate::models::{\n    User,\n};\nuse crate::users_mapping::x;\n\nfn f() {}\n"
        );
    }

    #[test]
    fn a_model_loses_its_mapping_and_keeps_the_rest() {
        let text = "use diesel::prelude::*;\nuse serde::Serialize;\nuse crate::schema::{comments, posts};\n\n\
                    /// A post.\n#[derive(Debug, Serialize, Queryable, Selectable)]\n\
                    // The child of `User`.\n#[derive(Identifiable, Associations)]\n\
                    #[diesel(belongs_to(User))]\n#[diesel(table_name = posts)]\npub struct Post {\n    \
                    #[diesel(skip_insertion)]\n    pub id: i64,\n}\n";
        assert_eq!(
            without_diesel_mapping(text),
            "use serde::Serialize;\n\n/// A post.\n#[derive(Debug, Serialize)]\npub struct Post {\n    pub id: i64,\n}\n"
        );
    }

    #[test]
    fn an_edit_that_finds_nothing_is_an_error() {
        let edits = [Edit::new("a.rs", "gone", "x")];
        let error = apply_edits("a.rs", "text".into(), &edits).expect_err("no match");
        assert!(
            error.contains("a.rs no longer contains \"gone\""),
            "{error}"
        );
        assert_eq!(
            apply_edits("b.rs", "text".into(), &edits).expect("not its file"),
            "text"
        );
    }
}
