//! A copy of the workspace, changed as a chapter says and built, for the
//! tests that make a chapter's changes for real (`tests/changing_it.rs`,
//! `tests/a_second_resource.rs`). The changes are files of a folder of
//! `docs/`: new files copied in, edits that replace a piece of a file,
//! insertions before one; each piece must still be there, or the test
//! fails and names it.
//!
//! This crate is test code: where something cannot be done (a file read,
//! cargo started) it panics with a message, failing the test that called it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::repo_root;

/// What the copy of the workspace holds: every crate of the workspace but
/// this one, and the files they read (`new-app` copies `.env.example`), so
/// that the copy's `cargo test --workspace` is the one a reader runs with
/// `--exclude docs-check`. Not `.env`: a developer's own settings would
/// reach the copy's tests.
pub const COPIED: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
    ".env.example",
    "clippy.toml",
    "diesel.toml",
    "crates",
    "shared",
    "conformance",
    "patterns",
    "bench",
    "tools",
];

/// The crate left out of the copy's workspace: this one, which checks the
/// book against the files the copy changes.
const LEFT_OUT: &str = "\"docs/check\"";

/// An edit: in `file`, the text `find` is replaced by the file `with` of
/// `docs/changing-it`.
pub struct Edit {
    /// The file changed, from the workspace's root.
    pub file: &'static str,
    /// The text replaced, which must be there once.
    pub find: &'static str,
    /// The file of the changes' folder that replaces it.
    pub with: &'static str,
}

/// An insertion: in `file`, the file `with` of `docs/changing-it` goes just
/// before the text `before`, which must be there once.
pub struct Insertion {
    /// The file changed, from the workspace's root.
    pub file: &'static str,
    /// The text the file goes before, which must be there once.
    pub before: &'static str,
    /// The file of the changes' folder inserted.
    pub with: &'static str,
}

/// A copy of the workspace in the temporary folder, removed when dropped,
/// with the folder of `docs/` its changes come from, and the target folder
/// it is built in.
pub struct Scratch {
    /// The copy.
    pub dir: PathBuf,
    changes: &'static str,
    target: PathBuf,
}

impl Scratch {
    /// Copies the workspace ([`COPIED`], without this crate) for the changes of
    /// `changes` (`docs/changing-it`), to be built in `target`, a folder of
    /// its own: cargo names the artifacts of a workspace's crates after
    /// their path *within* the workspace, so the copy's `shared`,
    /// `declarative`… have the very names of the workspace's, and built into
    /// its folder would replace them under the tests still to run.
    pub fn new(changes: &'static str, target: PathBuf) -> Scratch {
        let name = changes.rsplit('/').next().unwrap_or(changes);
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for name in COPIED {
            copy_tree(&repo_root().join(name), &dir.join(name));
        }
        let manifest = dir.join("Cargo.toml");
        let text = read(&manifest);
        let members = text
            .lines()
            .find(|line| line.starts_with("members = "))
            .expect("the workspace's members line");
        assert!(members.contains(LEFT_OUT), "{members} names no {LEFT_OUT}");
        let copied_members = members
            .replace(&format!(", {LEFT_OUT}"), "")
            .replace(LEFT_OUT, "");
        write(&manifest, &text.replace(members, &copied_members));
        Scratch {
            dir,
            changes,
            target,
        }
    }

    /// Applies `edits`: each must find its text exactly once.
    pub fn apply(&self, edits: &[Edit]) {
        for edit in edits {
            let path = self.dir.join(edit.file);
            let text = self.read_holding_once(edit.file, edit.find, "replaces", edit.with);
            let replacement = read(&repo_root().join(self.changes).join(edit.with));
            write(&path, &text.replacen(edit.find, &replacement, 1));
        }
    }

    /// The text of `file` in the copy, which must hold `place` exactly once:
    /// where the chapter's file `with` goes (`role`: "replaces", "goes
    /// before"). A chapter whose change no longer finds its place fails here.
    fn read_holding_once(&self, file: &str, place: &str, role: &str, with: &str) -> String {
        let text = read(&self.dir.join(file));
        assert_eq!(
            text.matches(place).count(),
            1,
            "{file} no longer holds, once, the text that {}/{with} {role}:\n{place}\n\
             update the change and the chapter with it",
            self.changes,
        );
        text
    }

    /// Makes `insertions`: each must find its place exactly once.
    pub fn insert(&self, insertions: &[Insertion]) {
        for insertion in insertions {
            let path = self.dir.join(insertion.file);
            let text = self.read_holding_once(
                insertion.file,
                insertion.before,
                "goes before",
                insertion.with,
            );
            let added = read(&repo_root().join(self.changes).join(insertion.with));
            write(
                &path,
                &text.replacen(insertion.before, &format!("{added}{}", insertion.before), 1),
            );
        }
    }

    /// Copies a file or folder of the changes' folder into the copy.
    pub fn add(&self, change: &str, to: &str) {
        copy_tree(
            &repo_root().join(self.changes).join(change),
            &self.dir.join(to),
        );
    }

    /// Runs the diesel CLI in the copy; `None` when it is not installed.
    pub fn diesel(&self, args: &[&str]) -> Option<Output> {
        Command::new("diesel")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .ok()
    }

    /// Runs cargo in the copy, as the chapter does, with no PostgreSQL
    /// server named: the outputs the chapter shows are those a reader sees
    /// without one (a test runs its PostgreSQL case apart).
    pub fn cargo(&self, args: &[&str]) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        Command::new(cargo)
            .args(args)
            .current_dir(&self.dir)
            // Its own target folder: see `Scratch::new`.
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("TEST_DATABASE_URL")
            .env_remove("DATABASE_URL")
            // The copy's slow tests (its generated apps) and restart drill
            // stay off, as for a reader's `cargo test --workspace`.
            .env_remove("RUN_SLOW_TESTS")
            .env_remove("PG_RESTART_COMMAND")
            .output()
            .expect("run cargo")
    }
}

impl Scratch {
    /// With a PostgreSQL server named (`TEST_DATABASE_URL`), runs the tests
    /// of the test file `file` (as `tests/api.rs`) whose names hold `filter`
    /// on it, and checks they pass: plain tests that run on PostgreSQL when
    /// the variable names a server. `built` is the cargo run that just built
    /// and ran them with none named, whose test program is run again, so
    /// nothing is built twice. Without a server named, it does nothing.
    pub fn assert_pass_on_postgres(&self, built: &Output, file: &str, filter: &str) {
        let Some(url) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
        else {
            return;
        };
        let stderr = text(&built.stderr);
        let program = stderr
            .lines()
            .find(|line| line.contains(&format!("Running {file}")))
            .and_then(|line| line.rsplit_once('(')?.1.strip_suffix(')'))
            .unwrap_or_else(|| panic!("cargo names the test program of {file}:\n{stderr}"));
        let postgres = Command::new(self.dir.join(program))
            .arg(filter)
            .env("TEST_DATABASE_URL", url)
            .output()
            .expect("run the test program");
        assert_outcome(&postgres, true, &format!("{file} {filter} on PostgreSQL"));
        let stdout = text(&postgres.stdout);
        assert!(
            stdout.contains("test result: ok") && !stdout.contains(" 0 passed"),
            "{stdout}"
        );
    }

    /// Runs a program of the copy's own (`cargo run -p new-app -- …`
    /// builds it) or any command, in `dir`, with the copy's target folder.
    pub fn run_in(&self, dir: &Path, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CARGO_BUILD_BUILD_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("TEST_DATABASE_URL")
            .env_remove("DATABASE_URL")
            .env_remove("NEW_APP_SOURCES")
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A file's text.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Writes a file.
pub fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies a file or a folder, leaving out build output and databases.
pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        fs::create_dir_all(to.parent().expect("a folder")).expect("create a folder");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        return;
    }
    fs::create_dir_all(to).expect("create a folder");
    let entries =
        fs::read_dir(from).unwrap_or_else(|e| panic!("read the folder {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a folder entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "target" || name.ends_with(".db") || name.contains(".db-") {
            continue;
        }
        copy_tree(&entry.path(), &to.join(name));
    }
}

/// The columns of a `table!` definition: each `name -> Type` line, with
/// diesel's other name for `Text` made plain.
pub fn columns(table: &str) -> Vec<String> {
    table
        .lines()
        .map(str::trim)
        .filter(|line| line.contains(" -> "))
        .map(|line| line.trim_end_matches(',').replace("Varchar", "Text"))
        .collect()
}

/// A command's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that a command succeeded, or failed, as the chapter says.
pub fn assert_outcome(output: &Output, succeeds: bool, what: &str) {
    assert_eq!(
        output.status.success(),
        succeeds,
        "{what}: expected it to {}\n{}\n{}",
        if succeeds { "succeed" } else { "fail" },
        text(&output.stderr),
        text(&output.stdout)
    );
    // What succeeds must not warn either: a reader's build stays clean.
    if succeeds {
        let stderr = text(&output.stderr);
        assert!(
            !stderr.lines().any(|line| line.starts_with("warning")),
            "{what} warned:\n{stderr}"
        );
    }
}

impl Scratch {
    /// Checks that `printed` holds every line of the excerpt the chapter
    /// shows (the file `excerpt` of the changes' folder), in order, each line
    /// whole; a line `...` in the excerpt stands for lines left out.
    pub fn assert_shows(&self, printed: &str, excerpt: &str) {
        let shown = read(&repo_root().join(self.changes).join(excerpt));
        let mut lines = printed.lines().map(str::trim_end);
        // A test run's time is the one thing that changes from run to run.
        let timeless = |line: &str| -> String {
            line.split("; finished in ")
                .next()
                .unwrap_or(line)
                .to_owned()
        };
        for wanted in shown
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && *l != "...")
        {
            assert!(
                lines.any(|line| timeless(line) == timeless(wanted)),
                "the chapter shows, from {}/{excerpt}:\n{wanted}\nbut cargo printed:\n{printed}",
                self.changes
            );
        }
    }

    /// Checks what a command printed, both streams (cargo prints its build
    /// on stderr and a test run on stdout), against the excerpt the chapter
    /// shows; on a failure, both are there to read.
    pub fn assert_printed(&self, output: &Output, excerpt: &str) {
        let printed = format!("{}\n{}", text(&output.stderr), text(&output.stdout));
        self.assert_shows(&printed, excerpt);
    }
}
