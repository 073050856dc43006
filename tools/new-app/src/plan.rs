//! The app planned in memory, file by file, before anything is written: the
//! library (shared's modules beside the pattern's), the test suite, the
//! migrations and the project's files, each rewritten for the app.

use std::fs;
use std::path::Path;

use crate::patterns::PatternSpec;
use crate::rewrite::{self, Edit, Names, Place, apply_edits, edits_for, rewrite_paths};
use crate::{manifest, read};

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
        // The files `names` of the repository's folder `from`, as files of
        // the app's folder `to`.
        let copy_each = |names: &[String], from: &str, to: &str, place: Place| {
            names
                .iter()
                .map(|name| {
                    Ok((
                        format!("{to}/{name}"),
                        copy(&format!("{from}/{name}"), place)?,
                    ))
                })
                .collect::<Result<Vec<_>, String>>()
        };
        let mut files = Vec::new();

        // The library: shared's modules and the pattern's, side by side.
        let shared_modules = rust_files(repo, "shared/src", &["lib.rs"])?;
        let pattern_modules =
            rust_files(repo, &format!("{pattern_dir}/src"), &["lib.rs", "main.rs"])?;
        for name in &pattern_modules {
            if shared_modules.contains(name) {
                return Err(format!(
                    "{pattern_dir}/src/{name} has the name of a module of shared"
                ));
            }
        }
        files.push((
            "src/lib.rs".to_string(),
            library_root(repo, &names, &edits, &shared_modules)?,
        ));
        files.push((
            "src/main.rs".to_string(),
            replace_doc(
                &copy(&format!("{pattern_dir}/src/main.rs"), Place::Outside)?,
                include_str!("../templates/main_doc.rs"),
            )
            .replace(
                &format!("name: \"{}\"", pattern.name),
                &format!("name: \"{package}\""),
            ),
        ));
        files.extend(copy_each(
            &shared_modules,
            "shared/src",
            "src",
            Place::Library,
        )?);
        files.extend(copy_each(
            &pattern_modules,
            &format!("{pattern_dir}/src"),
            "src",
            Place::Library,
        )?);

        // The tests: the conformance suite, and the pattern's own tests as
        // modules of it.
        let suite_modules = rust_files(repo, "conformance/src", &["lib.rs"])?;
        let own_tests = rust_files(repo, &format!("{pattern_dir}/tests"), &["conformance.rs"])?;
        let suite_root = copy("conformance/src/lib.rs", Place::Tests)?;
        let invocation = copy(&format!("{pattern_dir}/tests/conformance.rs"), Place::Tests)?;
        let mut tests_root = replace_doc(&suite_root, include_str!("../templates/tests_doc.rs"));
        for name in &own_tests {
            tests_root.push_str(&format!("\nmod {};\n", name.trim_end_matches(".rs")));
        }
        tests_root.push('\n');
        tests_root.push_str(&strip_doc(&invocation));
        files.push(("tests/conformance/main.rs".to_string(), tests_root));
        files.extend(copy_each(
            &suite_modules,
            "conformance/src",
            "tests/conformance",
            Place::Tests,
        )?);
        files.extend(copy_each(
            &own_tests,
            &format!("{pattern_dir}/tests"),
            "tests/conformance",
            Place::Tests,
        )?);

        // Migrations, configuration and the project's files.
        for backend in ["sqlite", "postgres"] {
            for file in files_under(repo, &format!("shared/migrations/{backend}"))? {
                let text = rewrite_paths(&read(repo, &file)?, Place::Library, &names);
                files.push((file.trim_start_matches("shared/").to_string(), text));
            }
        }
        // The suite's build script: whether the PostgreSQL cases run is
        // decided when the tests are built.
        files.push((
            "build.rs".to_string(),
            copy("conformance/build.rs", Place::Tests)?,
        ));
        let manifest = manifest::app_manifest(repo, &pattern_dir, package)?;
        files.push((
            "Cargo.toml".to_string(),
            rewrite_paths(&manifest, Place::Library, &names),
        ));
        // The workspace's lock file: the same versions that are tested here.
        // Cargo drops the entries the app does not use on its first build.
        files.push(("Cargo.lock".to_string(), read(repo, "Cargo.lock")?));
        files.push((".env.example".to_string(), read(repo, ".env.example")?));
        files.push(("clippy.toml".to_string(), read(repo, "clippy.toml")?));
        // How the bundled SQLite is compiled: the app's speed depends on it.
        files.push((
            ".cargo/config.toml".to_string(),
            read(repo, ".cargo/config.toml")?,
        ));
        files.push((
            ".gitignore".to_string(),
            include_str!("../templates/gitignore").to_string(),
        ));
        let readme = readme(&names, &files, &shared_modules);
        files.push(("README.md".to_string(), readme));
        files.sort();
        for (path, text) in &files {
            leftovers(path, text, &names)?;
        }
        Ok(App { files })
    }
}

/// `src/lib.rs`: the crate docs, then the pattern's `lib.rs` with shared's
/// modules and re-exports declared beside the pattern's.
fn library_root(
    repo: &Path,
    names: &Names,
    edits: &[Edit],
    shared_modules: &[String],
) -> Result<String, String> {
    let pattern_lib_file = format!("patterns/{}/src/lib.rs", names.pattern.name);
    let pattern_lib = apply_edits(&pattern_lib_file, read(repo, &pattern_lib_file)?, edits)?;
    let shared_lib = apply_edits("shared/src/lib.rs", read(repo, "shared/src/lib.rs")?, edits)?;

    // The pattern's own account of itself, without its title and its
    // "Run it with cargo run -p …" paragraph.
    let kept: Vec<String> = doc_paragraphs(&pattern_lib)
        .into_iter()
        .filter(|p| !p.starts_with("//! # ") && !p.starts_with("//! Run it with"))
        .collect();
    // Shared's list of its modules, which are now the app's.
    let module_list = doc_paragraphs(&shared_lib)
        .into_iter()
        .find(|p| p.starts_with("//! - "))
        .ok_or("shared/src/lib.rs no longer lists its modules in its docs")?;
    for module in shared_modules {
        let module = module.trim_end_matches(".rs");
        if !module_list.contains(&format!("[`{module}`]")) {
            return Err(format!(
                "shared/src/lib.rs does not describe its module {module} in its docs: add it to the list"
            ));
        }
    }
    let mut doc = format!(
        "//! # {}\n//!\n//! A JSON API over a `users` table and its `posts` that follows the *{}*\n//! pattern.\n//!\n",
        names.package, names.pattern.name
    );
    for paragraph in kept {
        doc.push_str(&paragraph);
        doc.push_str("//!\n");
    }
    doc.push_str("//! The code that serves it:\n//!\n");
    doc.push_str(&module_list);
    doc.push_str(
        "//!\n//! Run it with `cargo run`, or `cargo run -- demo` for the console session.\n",
    );

    // The pattern's items, with the shared modules and re-exports after its
    // own `pub mod` lines.
    let shared_items = strip_doc(&shared_lib);
    let declarations_of = |prefix: &str| -> String {
        shared_items
            .lines()
            .filter(|line| line.starts_with(prefix))
            .map(|line| format!("{line}\n"))
            .collect()
    };
    let declarations = format!(
        "{}\n{}",
        declarations_of("pub mod "),
        declarations_of("pub use ")
    );
    let body = rewrite_paths(&strip_doc(&pattern_lib), Place::Library, names);
    let mut items = String::new();
    let mut declared = false;
    let lines: Vec<&str> = body.lines().collect();
    let last_mod = lines.iter().rposition(|l| l.starts_with("pub mod "));
    for (i, line) in lines.iter().enumerate() {
        // `use crate::DbPool;` would clash with the re-export of the same name.
        if line.starts_with("use crate::")
            && !line.contains("::{")
            && line.matches("::").count() == 1
        {
            continue;
        }
        items.push_str(line);
        items.push('\n');
        if Some(i) == last_mod {
            items.push_str(&declarations);
            declared = true;
        }
    }
    if !declared {
        return Err(format!("{pattern_lib_file} declares no `pub mod`"));
    }
    // In the crate's own docs, its items need no `crate::`.
    let doc = rewrite_paths(&doc, Place::Library, names).replace("[`crate::", "[`");
    Ok(format!("{doc}\n{}", items.trim_start()))
}

/// The `//!` paragraphs at the top of a file, each with its lines.
fn doc_paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    for line in text.lines().take_while(|l| l.starts_with("//!")) {
        if line.trim_end() == "//!" {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}

/// The file without its leading `//!` docs.
fn strip_doc(text: &str) -> String {
    let rest: Vec<&str> = text.lines().skip_while(|l| l.starts_with("//!")).collect();
    rest.join("\n").trim_start().to_string() + "\n"
}

/// The file with its leading `//!` docs replaced by `doc`.
fn replace_doc(text: &str, doc: &str) -> String {
    format!("{doc}\n{}", strip_doc(text))
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

/// Every file under `dir`, recursively, as repository paths.
fn files_under(repo: &Path, dir: &str) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    let entries = fs::read_dir(repo.join(dir)).map_err(|e| format!("cannot read {dir}: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {dir}: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
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

/// The README, with a table of the app's sources, each described by the
/// first sentence of its own docs.
fn readme(names: &Names, files: &[(String, String)], shared_modules: &[String]) -> String {
    let described = |path: &str| -> Option<String> {
        let text = &files.iter().find(|(p, _)| p == path)?.1;
        let first = doc_paragraphs(text).into_iter().next()?;
        let joined = first
            .lines()
            .map(|l| l.trim_start_matches("//!").trim())
            .collect::<Vec<_>>()
            .join(" ");
        let sentence = joined.split(". ").next().unwrap_or(&joined);
        Some(sentence.trim_end_matches('.').replace(['[', ']'], ""))
    };
    let mut rows = vec![
        "| `src/lib.rs` | the crate root: its modules, and `app()`, the app that `main` and the tests build |".to_string(),
    ];
    let sources = files.iter().map(|(p, _)| p.as_str()).filter(|p| {
        p.starts_with("src/") && *p != "src/lib.rs" || *p == "tests/conformance/main.rs"
    });
    // The pattern's own files first: they are where the app differs.
    let (own, common): (Vec<&str>, Vec<&str>) = sources.partition(|p| {
        let file = p.trim_start_matches("src/");
        p.starts_with("src/") && !shared_modules.iter().any(|m| m == file)
    });
    for path in own.into_iter().chain(common) {
        if let Some(description) = described(path) {
            rows.push(format!("| `{path}` | {description} |"));
        }
    }
    rows.push(
        "| `migrations/` | the `users` and `posts` tables, for SQLite and for PostgreSQL |"
            .to_string(),
    );
    include_str!("../templates/README.md")
        .replace("{{name}}", names.package)
        .replace("{{pattern}}", names.pattern.name)
        .replace("{{summary}}", names.pattern.summary)
        .replace("{{files}}", &rows.join("\n"))
}

/// Fails if a file still names the workspace it came from.
fn leftovers(path: &str, text: &str, names: &Names) -> Result<(), String> {
    let pattern_crate = names.pattern.name.replace('-', "_");
    let words = [
        "shared/",
        "patterns/",
        "workspace",
        "-p PATTERN",
        "every pattern",
        "each pattern",
        "`just ",
    ];
    let mut crates = vec!["shared", "conformance"];
    if pattern_crate != names.app_crate {
        crates.push(&pattern_crate);
    }
    for (number, line) in text.lines().enumerate() {
        let word = words
            .iter()
            .find(|w| line.contains(*w))
            .map(|w| w.to_string());
        let crate_path = crates
            .iter()
            .find(|c| rewrite::names_path(line, c))
            .map(|c| format!("{c}::"));
        if let Some(word) = word.or(crate_path) {
            return Err(format!(
                "{path}:{}: {word:?} is left from the repository: {line:?} (word it for an app of its own, with no patterns and no workspace; or, to keep it in the repository, add an edit to tools/new-app/src/rewrite.rs)",
                number + 1
            ));
        }
    }
    Ok(())
}
