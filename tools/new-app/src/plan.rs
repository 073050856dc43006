//! The app planned in memory, file by file, before anything is written: the
//! library vendored as it is, the app's modules (`shared`'s and the
//! pattern's, side by side), its tests, migrations and project files, each
//! rewritten for the app, and then checked for any word of the tutorial.

use std::fs;
use std::path::Path;

use crate::patterns::PatternSpec;
use crate::rewrite::{
    Names, Place, apply_edits, edits_for, rewrite_paths, without_diesel_mapping,
    without_sql_functions,
};
use crate::{manifest, read, words};

/// The crates an app depends on by copy, and where they land in it.
pub const VENDORED: &[(&str, &str)] = &[
    ("crates/web-db", "vendor/web-db"),
    ("crates/web-db-test", "vendor/web-db-test"),
];

/// The files of an app, planned in memory before anything is written.
pub struct App {
    /// Each file's path in the app and its text, sorted by path.
    pub files: Vec<(String, String)>,
}

impl App {
    /// Plans the app `package`, copied from `pattern` with the sources under `repo`.
    pub fn plan(repo: &Path, pattern: &'static PatternSpec, package: &str) -> Result<App, String> {
        let app_crate = package.replace('-', "_");
        let names = Names {
            package,
            app_crate: &app_crate,
            pattern,
        };
        let edits = edits_for(pattern);
        let pattern_dir = format!("patterns/{}", pattern.name);
        let copy = |file: &str, place: Place| -> Result<String, String> {
            let text = apply_edits(file, read(repo, file)?, &edits)?;
            Ok(rewrite_paths(&text, place, &names))
        };
        let mut files = Vec::new();

        // The library and its test helper, as they are: an app takes a newer
        // version by copying the folder again.
        for (from, to) in VENDORED {
            for file in files_under(repo, from)? {
                let text = read(repo, &file)?;
                files.push((file.replacen(from, to, 1), text));
            }
        }

        // The app's modules: `shared`'s and the pattern's side by side.
        let unused = if pattern.uses_schema {
            "lib.rs"
        } else {
            "schema.rs"
        };
        let shared_modules = rust_files(repo, "shared/src", &["lib.rs", unused])?;
        let pattern_modules =
            rust_files(repo, &format!("{pattern_dir}/src"), &["lib.rs", "main.rs"])?;
        if let Some(clash) = pattern_modules.iter().find(|m| shared_modules.contains(m)) {
            return Err(format!(
                "{pattern_dir}/src/{clash} has the name of a module of shared"
            ));
        }
        for name in &shared_modules {
            let mut text = copy(&format!("shared/src/{name}"), Place::Library)?;
            if !pattern.uses_model_derives && name != "schema.rs" {
                text = without_diesel_mapping(&text);
            }
            if !pattern.uses_schema {
                text = without_sql_functions(&text);
            }
            files.push((format!("src/{name}"), text));
        }
        for name in &pattern_modules {
            let text = copy(&format!("{pattern_dir}/src/{name}"), Place::Library)?;
            files.push((format!("src/{name}"), text));
        }
        for name in rust_files(repo, "shared/routes", &[])? {
            let text = copy(&format!("shared/routes/{name}"), Place::Library)?;
            files.push((format!("src/routes/{name}"), text));
        }
        let lib = copy(&format!("{pattern_dir}/src/lib.rs"), Place::Library)?;
        files.push((
            "src/lib.rs".into(),
            library_root(&lib, &names, &shared_modules)?,
        ));
        let main = copy(&format!("{pattern_dir}/src/main.rs"), Place::Outside)?;
        files.push(("src/main.rs".into(), binary(&main)?));

        // The tests: the API's, from `shared/api-tests` under a root of the
        // pattern's, and the pattern's own tests of its data access. The
        // suites that hold every pattern to the contract stay behind.
        let api_root = copy(&format!("{pattern_dir}/tests/api.rs"), Place::Outside)?;
        files.push(("tests/api/main.rs".into(), tests_root(&api_root)?));
        for name in rust_files(repo, "shared/api-tests", &[])? {
            let text = copy(&format!("shared/api-tests/{name}"), Place::Outside)?;
            files.push((format!("tests/api/{name}"), text));
        }
        for name in rust_files(repo, &format!("{pattern_dir}/tests"), &["api.rs"])? {
            let text = copy(&format!("{pattern_dir}/tests/{name}"), Place::Outside)?;
            if text.contains("conformance") {
                continue; // a case of the workspace's suite
            }
            files.push((format!("tests/{name}"), text));
        }

        // Migrations, configuration and the project's files.
        for file in files_under(repo, "shared/migrations")? {
            let text = read(repo, &file)?;
            files.push((file.replacen("shared/", "", 1), text));
        }
        files.push(("build.rs".into(), read(repo, "shared/build.rs")?));
        let manifest = manifest::app_manifest(repo, &pattern_dir, package)?;
        files.push(("Cargo.toml".into(), manifest));
        // The workspace's lock file: the same versions that are tested here.
        // Cargo drops the entries the app does not use on its first build.
        files.push(("Cargo.lock".into(), lock_file(&read(repo, "Cargo.lock")?)));
        files.push((".env.example".into(), read(repo, ".env.example")?));
        files.push(("clippy.toml".into(), read(repo, "clippy.toml")?));
        // How the bundled SQLite is compiled: the app's speed depends on it.
        files.push((
            ".cargo/config.toml".into(),
            read(repo, ".cargo/config.toml")?,
        ));
        files.push((
            ".gitignore".into(),
            include_str!("../templates/gitignore").into(),
        ));
        let readme = readme(&names, &files);
        files.push(("README.md".into(), readme));
        files.sort();
        for (path, text) in &files {
            words::check(path, text, &names)?;
        }
        Ok(App { files })
    }
}

/// `src/lib.rs`: the crate docs written for the app, then the pattern's
/// `lib.rs` with `shared`'s modules declared beside its own, and without
/// what only the book needs (the modules compiled in from elsewhere by
/// `#[path]`, the console session).
fn library_root(
    pattern_lib: &str,
    names: &Names,
    shared_modules: &[String],
) -> Result<String, String> {
    let doc = include_str!("../templates/lib_doc.rs")
        .replace("{{name}}", names.package)
        .replace("{{data_access}}", names.pattern.data_access)
        .replace(
            "{{tables}}",
            if names.pattern.uses_schema {
                "[`schema`] and `migrations/`"
            } else {
                "`migrations/`"
            },
        );
    let body = without_path_attributes(&strip_doc(pattern_lib));
    let mut modules: Vec<String> = shared_modules
        .iter()
        .map(|m| format!("pub mod {};", m.trim_end_matches(".rs")))
        .collect();
    let mut items = Vec::new();
    let mut first_module = None;
    for line in body.lines() {
        if line.starts_with("pub mod ") {
            first_module.get_or_insert(items.len());
            if line != "pub mod demo;" {
                modules.push(line.to_owned());
            }
        } else {
            items.push(line.to_owned());
        }
    }
    let at = first_module.ok_or("the pattern's lib.rs declares no `pub mod`")?;
    modules.sort();
    items.splice(at..at, modules);
    Ok(format!("{doc}\n{}\n", items.join("\n").trim()))
}

/// `src/main.rs`: the pattern's, with its docs written for the app and
/// without the `demo` command, which is the book's.
fn binary(pattern_main: &str) -> Result<String, String> {
    let body = strip_doc(pattern_main);
    let lines: Vec<&str> = body.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("arg == \"demo\""))
        .ok_or("the pattern's main.rs no longer starts the demo with `arg == \"demo\"`")?;
    let mut first = start;
    while first > 0 && lines[first - 1].trim_start().starts_with("//") {
        first -= 1;
    }
    let end = lines[start..]
        .iter()
        .position(|l| l.trim() == "}")
        .map(|n| start + n)
        .ok_or("the demo's `if` in the pattern's main.rs has no end")?;
    let kept: Vec<&str> = lines[..first]
        .iter()
        .chain(&lines[end + 1..])
        .copied()
        .collect();
    Ok(format!(
        "{}\n{}\n",
        include_str!("../templates/main_doc.rs"),
        kept.join("\n")
    ))
}

/// `tests/api/main.rs`: the pattern's `tests/api.rs`, with its docs written
/// for the app and its modules its own files.
fn tests_root(pattern_root: &str) -> Result<String, String> {
    let body = without_path_attributes(&strip_doc(pattern_root));
    if !body.contains("fn spawn_app()") {
        return Err("the pattern's tests/api.rs no longer defines spawn_app()".into());
    }
    Ok(format!(
        "{}\n{body}",
        include_str!("../templates/tests_doc.rs")
    ))
}

/// The text without its `#[path = …]` attributes and the comments just
/// above them: in the app, a module's file is where Rust looks for it.
fn without_path_attributes(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with("#[path = ") {
            while kept.last().is_some_and(|l| l.starts_with("//")) {
                kept.pop();
            }
            continue;
        }
        kept.push(line);
    }
    kept.join("\n") + "\n"
}

/// The workspace's `Cargo.lock` without the workspace's own crates (but
/// the vendored ones), which cargo then completes for the app.
fn lock_file(workspace_lock: &str) -> String {
    let vendored: Vec<String> = VENDORED
        .iter()
        .map(|(from, _)| format!("name = \"{}\"", from.trim_start_matches("crates/")))
        .collect();
    let mut blocks = workspace_lock.split("\n[[package]]\n");
    let mut lock = blocks.next().unwrap_or_default().to_owned();
    for block in blocks {
        let from_a_registry = block.lines().any(|l| l.starts_with("source = "));
        let kept = from_a_registry || vendored.iter().any(|v| block.starts_with(v.as_str()));
        if kept {
            lock.push_str("\n[[package]]\n");
            lock.push_str(block);
        }
    }
    lock
}

/// The file without its leading `//!` docs.
fn strip_doc(text: &str) -> String {
    let rest: Vec<&str> = text.lines().skip_while(|l| l.starts_with("//!")).collect();
    rest.join("\n").trim_start().to_string() + "\n"
}

/// The `.rs` files directly in `dir`, sorted, but for `except`.
fn rust_files(repo: &Path, dir: &str, except: &[&str]) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = fs::read_dir(repo.join(dir))
        .map_err(|e| format!("cannot read {dir}: {e}"))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".rs") && !except.contains(&name.as_str()))
        .collect();
    names.sort();
    Ok(names)
}

/// Every file under `dir`, recursively, as repository paths; build output
/// and hidden files (diesel CLI's lock, a local `.env`) left out.
fn files_under(repo: &Path, dir: &str) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    let entries = fs::read_dir(repo.join(dir)).map_err(|e| format!("cannot read {dir}: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {dir}: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Build output, and what is local to one checkout (`.env`, locks).
        if name == "target" || name.starts_with('.') {
            continue;
        }
        let path = format!("{dir}/{name}");
        if entry.path().is_dir() {
            files.extend(files_under(repo, &path)?);
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Markdown text with rustdoc's links taken out: `[`Store`](crate::Store)`
/// and `[`Store`]` become `` `Store` ``, while brackets inside code
/// (`#[test]`) stay.
fn without_doc_links(text: &str) -> String {
    let mut plain = String::new();
    let mut in_code = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                in_code = !in_code;
                plain.push(c);
            }
            '[' if !in_code => {}
            ']' if !in_code => {
                if chars.peek() == Some(&'(') {
                    chars.by_ref().find(|&c| c == ')');
                }
            }
            _ => plain.push(c),
        }
    }
    plain
}

/// The README, with a table of the app's sources, each described by the
/// first sentence of its own docs.
fn readme(names: &Names, files: &[(String, String)]) -> String {
    let described = |path: &str| -> Option<String> {
        let text = &files.iter().find(|(p, _)| p == path)?.1;
        let first: Vec<&str> = text
            .lines()
            .take_while(|l| l.starts_with("//!") && l.trim_end() != "//!")
            .map(|l| l.trim_start_matches("//!").trim())
            .collect();
        let joined = first.join(" ");
        let sentence = joined.split(". ").next().unwrap_or(&joined);
        Some(without_doc_links(sentence.trim_end_matches('.')))
    };
    let mut rows = vec![
        "| `src/lib.rs` | the crate root: its modules, and `app()`, the app that `main` and the tests build |".to_string(),
    ];
    let mut paths: Vec<&String> = files.iter().map(|(path, _)| path).collect();
    // `src/` before `tests/`, each in name order, a folder's `main.rs` first.
    paths.sort_by_key(|path| {
        (
            path.starts_with("tests/"),
            !path.ends_with("/main.rs"),
            *path,
        )
    });
    for path in paths {
        let source = path.starts_with("src/") || path.starts_with("tests/");
        if source
            && path != "src/lib.rs"
            && path.ends_with(".rs")
            && let Some(description) = described(path).filter(|d| !d.is_empty())
        {
            rows.push(format!("| `{path}` | {description} |"));
        }
    }
    rows.push("| `migrations/` | the tables, for SQLite and for PostgreSQL |".to_string());
    rows.push(
        "| `vendor/web-db` | the database machinery the app is built on (its README says what it does; its CHANGELOG what changed) |".to_string(),
    );
    rows.push(
        "| `vendor/web-db-test` | what the tests are built on: a database per test, the app on a free port |".to_string(),
    );
    include_str!("../templates/README.md")
        .replace("{{name}}", names.package)
        .replace("{{files}}", &rows.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_attributes_go_with_the_comments_above_them() {
        let text =
            "pub mod a;\n// Compiled in from elsewhere.\n#[path = \"../x/b.rs\"]\npub mod b;\n";
        assert_eq!(without_path_attributes(text), "pub mod a;\npub mod b;\n");
    }

    #[test]
    fn doc_links_become_plain_code_but_code_keeps_its_brackets() {
        assert_eq!(
            without_doc_links("hand it to the [`Store`](crate::store::Store) in plain `#[test]`s"),
            "hand it to the `Store` in plain `#[test]`s"
        );
        assert_eq!(without_doc_links("see [`Page`]"), "see `Page`");
    }

    #[test]
    fn the_demo_command_is_left_out_of_main() {
        let main = "//! doc\n\nfn main() {\n    // The book's.\n    if std::env::args().nth(1).is_some_and(|arg| arg == \"demo\") {\n        return x::demo::main(NAME);\n    }\n    serve();\n}\n";
        let binary = binary(main).expect("a main without the demo");
        assert!(
            binary.ends_with("fn main() {\n    serve();\n}\n"),
            "{binary}"
        );
        assert!(!binary.contains("demo"), "{binary}");
    }
}
