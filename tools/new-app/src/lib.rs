//! Copies a pattern of this repository into a standalone Cargo project: the
//! start of your own app.
//!
//! The app is one crate, with the library it is built on vendored beside it
//! (`vendor/web-db`, and `vendor/web-db-test` for its tests), copied as it
//! is. The modules of `shared` and `shared/routes` become the app's own
//! modules, next to the pattern's; `shared/api-tests` and the pattern's own
//! tests become its tests; the migrations, `.env.example` and `Cargo.lock`
//! come along. Paths into other crates of the workspace are rewritten
//! ([`rewrite`]), the manifest is written from the workspace's
//! ([`manifest`]), rustfmt formats the result, and no word of the tutorial
//! may be left in any file ([`words`]), so the app reads as if written for
//! itself.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

pub mod manifest;
pub mod patterns;
mod plan;
pub mod rewrite;
pub mod words;

pub use plan::VENDORED;

use patterns::PatternSpec;
use plan::App;

/// What to generate.
pub struct Request {
    /// The pattern to copy.
    pub pattern: &'static PatternSpec,
    /// Where: a directory that does not exist yet, or is empty.
    pub dir: PathBuf,
    /// The package name; `None` takes the directory's name.
    pub package: Option<String>,
}

/// What `--help` prints, with every pattern.
pub fn usage() -> String {
    let mut text = String::from(
        "usage: cargo run -p new-app -- PATTERN DIR [--name NAME]\n\
         \x20      just new-app PATTERN DIR [--name NAME]\n\n\
         Writes a standalone Cargo project into DIR (new, or empty): the app (its\n\
         main, routes, models, schema, data access and migrations), its tests, and\n\
         the library it is built on, copied into vendor/. Nothing points back here.\n\
         It copies from the checkout it runs in (NEW_APP_SOURCES=PATH names another).\n\n\
         patterns:\n",
    );
    for pattern in patterns::PATTERNS {
        text.push_str(&format!("  {:<17} {}\n", pattern.name, pattern.summary));
    }
    text.push_str(
        "\noptions:\n  --name NAME        the package name (default: DIR's last component)\n  -h, --help         this help",
    );
    text
}

/// What a successful run prints: what was written, and what to do next.
pub fn report(request: &Request, package: &str, files: &[String]) -> String {
    let dir = request.dir.display();
    format!(
        "wrote {package} ({} pattern), {} files, to {dir}\n\nnext:\n  cd {dir}\n  cargo run        # serves http://127.0.0.1:8080\n  cargo test       # its tests, on SQLite (TEST_DATABASE_URL=postgres://… runs them on PostgreSQL)",
        request.pattern.name,
        files.len()
    )
}

/// The variable that names the checkout to copy from, ahead of any search.
pub const SOURCES_ENV: &str = "NEW_APP_SOURCES";

/// The checkout of this repository to copy from, found when the tool runs.
///
/// Never a path fixed when the tool was built: cargo does not rebuild it
/// after the checkout is moved, two clones that share a `CARGO_TARGET_DIR`
/// share its binary, and an installed binary outlives the folder it was built
/// in. Nor sources embedded in the binary, for the same reasons: they would
/// be those of whichever clone built it last, not the reader's checkout with
/// the reader's edits. The first of these that holds a checkout wins:
///
/// 1. the folder `NEW_APP_SOURCES` names (then nothing else is tried);
/// 2. the current folder or one above it: `just new-app` and `cargo run -p
///    new-app` run inside the checkout;
/// 3. the executable's folder or one above it: `target/debug/new-app` run
///    from elsewhere;
/// 4. the checkout the binary was built in, if it is still there: an
///    installed binary run outside any checkout.
pub fn find_sources() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(SOURCES_ENV) {
        let dir = PathBuf::from(dir);
        return if is_checkout(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{SOURCES_ENV}={} is not a checkout of this repository (no tools/new-app there)",
                dir.display()
            ))
        };
    }
    let current = std::env::current_dir().ok();
    let executable = std::env::current_exe().ok();
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = current
        .iter()
        .chain(&executable)
        .flat_map(|start| start.ancestors())
        .find(|dir| is_checkout(dir))
        .map(Path::to_path_buf)
        .or_else(|| is_checkout(&built_in).then_some(built_in));
    found.ok_or_else(|| {
        format!(
            "cannot find the sources to copy: run new-app inside a checkout of this repository, \
             or set {SOURCES_ENV}=PATH_TO_THE_CHECKOUT"
        )
    })
}

/// True when `dir` is the root of a checkout of this repository: the
/// workspace manifest, and the crates the generator copies from.
fn is_checkout(dir: &Path) -> bool {
    [
        "Cargo.toml",
        "shared/src/lib.rs",
        "crates/web-db/src/lib.rs",
        "tools/new-app/Cargo.toml",
    ]
    .iter()
    .all(|file| dir.join(file).is_file())
}

/// Reads a file of the repository, saying which one on failure.
pub fn read(repo: &Path, file: &str) -> Result<String, String> {
    fs::read_to_string(repo.join(file)).map_err(|e| format!("cannot read {file}: {e}"))
}

/// Writes the app described by `request`, using the sources under `repo`.
/// Returns the package name and the files written, relative to the app's
/// directory, in order.
pub fn generate(repo: &Path, request: &Request) -> Result<(String, Vec<String>), String> {
    let package = match &request.package {
        Some(name) => name.clone(),
        None => request
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                format!(
                    "cannot take a package name from {}: pass --name NAME",
                    request.dir.display()
                )
            })?
            .to_string(),
    };
    check_package_name(&package)?;
    check_target(repo, &request.dir)?;

    let app = App::plan(repo, request.pattern, &package)?;
    fs::create_dir_all(&request.dir)
        .map_err(|e| format!("cannot create {}: {e}", request.dir.display()))?;
    for (path, text) in &app.files {
        let target = request.dir.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    format_rust(&request.dir, &app.files)?;
    complete_the_lock_file(&request.dir);
    Ok((
        package,
        app.files.into_iter().map(|(path, _)| path).collect(),
    ))
}

/// Refuses what Cargo or Rust would refuse, before anything is written.
fn check_package_name(name: &str) -> Result<(), String> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "{name:?} cannot be a package name: use lowercase letters, digits, - and _, starting with a letter (pass --name NAME)"
        ));
    }
    // The crate's name, as `use NAME::…` spells it: Cargo makes `-` a `_`.
    let crate_name = name.replace('-', "_");
    // Rust's keywords, which cannot name a crate in a path.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    ];
    // Crates the app builds with, and Rust's own, in their `use` spelling.
    const TAKEN: &[&str] = &[
        "std",
        "core",
        "alloc",
        "test",
        "proc_macro",
        "actix_web",
        "diesel",
        "diesel_migrations",
        "serde",
        "serde_json",
        "serde_urlencoded",
        "r2d2",
        "dotenvy",
        "thiserror",
        "log",
        "env_logger",
        "futures_util",
        "libsqlite3_sys",
        "pq_sys",
        "openssl_sys",
        "percent_encoding",
        "diesel_dynamic_schema",
        "web_db",
        "web_db_test",
        "utoipa",
        "utoipa_actix_web",
        "utoipa_swagger_ui",
    ];
    // Names Cargo keeps for the folders of its build.
    const CARGO_FOLDERS: &[&str] = &["build", "deps", "examples", "incremental"];
    if KEYWORDS.contains(&crate_name.as_str()) {
        return Err(format!(
            "{name:?} is a Rust keyword, so no code could name the crate: pick another with --name NAME"
        ));
    }
    if TAKEN.contains(&crate_name.as_str()) {
        return Err(format!(
            "{name:?} is the name of a crate the app uses: pick another with --name NAME"
        ));
    }
    if CARGO_FOLDERS.contains(&name) {
        return Err(format!(
            "{name:?} is the name of a folder of Cargo's build, which Cargo refuses for a program: pick another with --name NAME"
        ));
    }
    Ok(())
}

/// The target must be new or empty, and outside this repository (Cargo would
/// take it for a member of this workspace).
fn check_target(repo: &Path, dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let mut entries =
            fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: nothing was written. Pick a new directory.",
                dir.display()
            ));
        }
    }
    let repo = resolved(repo);
    if resolved(dir).starts_with(&repo) {
        return Err(format!(
            "{} is inside this repository ({}): generate the app outside it, e.g. ../my-service",
            dir.display(),
            repo.display()
        ));
    }
    Ok(())
}

/// Lets cargo finish the copied `Cargo.lock`: the app's own entry added,
/// the workspace's packages the app does not use taken out, every version
/// kept, so that `cargo build --locked` takes it as it is. Offline first
/// (the crates are in cargo's cache once this repository was built); if
/// cargo cannot, the app's first build does the same.
fn complete_the_lock_file(dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for offline in [true, false] {
        let mut metadata = Command::new(&cargo);
        metadata
            .args(["metadata", "--format-version", "1"])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if offline {
            metadata.arg("--offline");
        }
        if metadata.status().is_ok_and(|status| status.success()) {
            return;
        }
    }
}

/// `path` as the file system will take it: each folder that exists
/// resolved (symbolic links followed), and each `..` taken back from what
/// is resolved so far, whether or not the folders after it exist yet.
fn resolved(path: &Path) -> PathBuf {
    let mut resolved = std::env::current_dir().unwrap_or_default();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => {
                resolved.push(other);
                if let Ok(real) = resolved.canonicalize() {
                    resolved = real;
                }
            }
        }
    }
    resolved
}

/// Runs rustfmt over the app's own crate roots (it follows their modules);
/// the vendored crates are copied formatted.
fn format_rust(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    let roots = files.iter().map(|(path, _)| path.as_str()).filter(|path| {
        matches!(*path, "src/lib.rs" | "src/main.rs" | "build.rs")
            || path.starts_with("tests/")
                && (path.ends_with("/main.rs") || path.matches('/').count() == 1)
    });
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(roots)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run rustfmt (rustup component add rustfmt): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustfmt failed on the generated app ({status})"))
    }
}
