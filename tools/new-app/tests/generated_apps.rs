//! `new-app` writes apps that build, pass their own tests and stand alone:
//! each pattern is generated into a temporary directory outside this
//! repository, then built and tested there with `cargo test`, as a user would.
//! With `TEST_DATABASE_URL` set (as in CI) the app's PostgreSQL cases run too.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

use new_app::patterns::PATTERNS;

/// This checkout, as cargo names it when it runs the test (read at run
/// time, so that it is right even after the checkout moved).
fn repo_root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    Path::new(&manifest_dir).join("../..")
}

fn new_app(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_new-app"))
        .args(args)
        .output()
        .expect("run new-app")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A directory outside the repository, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("new-app-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs cargo in `dir` as a user would. The app's final artifacts go to a
/// target folder of their own, but its intermediate ones to the workspace's
/// (`CARGO_BUILD_BUILD_DIR`, cargo 1.91 and later): the dependencies, built
/// for the workspace's own tests with the same profile and flags, are not
/// built again, nor stored twice. (Safe because an app's package name is
/// its own, `my-declarative-service`: cargo names artifacts after packages,
/// so nothing of the workspace's is replaced.) So no `RUSTFLAGS` (they would make every
/// dependency a different build): warnings are looked for in what cargo
/// prints instead ([`assert_no_warnings`]).
///
/// One cargo at a time, though: every app vendors `web-db` at the same place
/// in its own folder, so that each app's build of it has the same name in
/// the shared folder, and one app's build would replace the library while
/// another app's tests are reading it ("extern location for web_db does
/// not exist").
fn cargo_in(dir: &Path, args: &[&str]) -> Output {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", tmp.join("copies"))
        .env(
            "CARGO_BUILD_BUILD_DIR",
            tmp.parent().expect("the workspace's target folder"),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo")
}

/// Fails if the compiler warned about the app's own code (dependencies'
/// warnings are never shown).
fn assert_no_warnings(output: &Output, what: &str) {
    let stderr = text(&output.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning"))
        .collect();
    assert!(warnings.is_empty(), "{what} warned:\n{stderr}");
}

/// Lines of code of the `.rs` files under `dir`: not blank, not comments,
/// not the `#[cfg(test)]` module that ends a file (the way this project
/// writes them), nor anything under a `target` folder.
fn lines_of_code(dir: &Path) -> usize {
    let mut total = 0;
    for entry in fs::read_dir(dir).expect("read a folder of the app") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                total += lines_of_code(&path);
            }
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let source = fs::read_to_string(&path).expect("read a source file");
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        total += code
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .count();
    }
    total
}

/// Every file of `from`, read, by its path under it.
fn files_of(from: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(from).expect("read a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                files.extend(files_of(&path));
            }
        } else {
            files.push((path.clone(), fs::read(&path).expect("read a file")));
        }
    }
    files.sort();
    files
}

/// Generates the pattern's app, checks what it holds, and runs its tests;
/// answers the app's folder (removed when the `TempDir` is dropped).
fn generates_an_app_that_passes_its_tests(pattern: &str) -> (TempDir, PathBuf) {
    let temp = TempDir::new(pattern);
    // A name of its own per pattern: the apps share a target directory, and
    // cargo names a package's artifacts after its name and version, not
    // its path, so three `my-service` built at once would overwrite each
    // other's library.
    let package = format!("my-{pattern}-service");
    let dir = temp.0.join(&package);
    let dir_arg = dir.to_str().expect("a UTF-8 temporary path");
    let out = new_app(&[pattern, dir_arg]);
    assert!(
        out.status.success(),
        "new-app failed: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains(&format!("wrote {package}")),
        "{}",
        text(&out.stdout)
    );

    // Nothing points back into this repository: every path a manifest
    // names is inside the app, and the library is there, as it is here.
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("a Cargo.toml");
    assert!(
        manifest.contains(&format!("name = \"{package}\"")),
        "{manifest}"
    );
    for (path, bytes) in files_of(&dir) {
        if path.file_name().is_some_and(|name| name == "Cargo.toml") {
            let toml = String::from_utf8(bytes).expect("a UTF-8 manifest");
            for line in toml.lines().filter(|l| l.contains("path = ")) {
                let inside =
                    line.contains("path = \"vendor/") || line.contains("path = \"../web-db\"");
                assert!(inside, "{}: {line}", path.display());
            }
        }
    }
    for (from, to) in new_app::VENDORED {
        let here = files_of(&repo_root().join(from));
        let there = files_of(&dir.join(to));
        let names = |files: &[(PathBuf, Vec<u8>)], root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
            files
                .iter()
                .map(|(p, b)| {
                    (
                        p.strip_prefix(root).expect("under it").to_path_buf(),
                        b.clone(),
                    )
                })
                .collect()
        };
        assert!(
            names(&here, &repo_root().join(from)) == names(&there, &dir.join(to)),
            "{to} is not a copy of {from} as it is"
        );
    }

    // What its new owner has to read: the app's own code, the library's,
    // and the tests, within the bounds this project sets itself.
    let app = lines_of_code(&dir.join("src"));
    let library = lines_of_code(&dir.join("vendor/web-db/src"));
    let tests =
        lines_of_code(&dir.join("tests")) + lines_of_code(&dir.join("vendor/web-db-test/src"));
    assert!(
        app <= 1_200,
        "the {pattern} app has {app} lines of code (at most 1,200)"
    );
    assert!(
        app + library <= 4_000,
        "the {pattern} app and its library have {} lines of code (at most 4,000)",
        app + library
    );
    assert!(
        tests <= 1_500,
        "the {pattern} app's tests have {tests} lines of code (at most 1,500)"
    );

    let fmt = Command::new("rustfmt")
        .args([
            "--check",
            "--edition",
            "2024",
            "src/lib.rs",
            "src/main.rs",
            "tests/api/main.rs",
        ])
        .current_dir(&dir)
        .output()
        .expect("run rustfmt");
    assert!(
        fmt.status.success(),
        "not formatted:\n{}",
        text(&fmt.stdout)
    );

    // `--locked`: the lock file it came with is complete as it is.
    let test = cargo_in(&dir, &["test", "--locked"]);
    let stdout = text(&test.stdout);
    assert!(
        test.status.success(),
        "cargo test failed in the {pattern} app:\n{}\n{stdout}",
        text(&test.stderr)
    );
    assert_no_warnings(&test, &format!("cargo test in the {pattern} app"));
    // Its tests really ran, and passed.
    for case in [
        "users::a_created_user_is_answered_201_with_its_location_and_reads_back_the_same ... ok",
        "store::a_post_the_database_refuses_takes_its_user_with_it ... ok",
        "idempotency::a_repeat_with_the_same_key_gets_the_first_answer_and_writes_nothing ... ok",
    ] {
        assert!(stdout.contains(case), "{case}: {stdout}");
    }
    (temp, dir)
}

/// The removals that "Starting your own app" shows, in its order: each
/// fenced block under a `<!-- removal: NAME -->` line, as (its language,
/// its text).
fn removals_the_chapter_shows() -> Vec<(String, String)> {
    let chapter = repo_root().join("docs/src/starting-your-own-app.md");
    let text = fs::read_to_string(&chapter).expect("the chapter");
    let mut removals = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("<!-- removal:") {
            continue;
        }
        let fence = lines.next().expect("a block under the marker");
        let language = fence.trim_start_matches('`').to_owned();
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        removals.push((language, body.join("\n") + "\n"));
    }
    removals
}

/// Applies the chapter's removals to a generated app, as a reader would:
/// each diff with `git apply`, each command with `sh`.
fn remove_what_the_chapter_removes(dir: &Path) {
    let removals = removals_the_chapter_shows();
    assert!(removals.len() >= 3, "the chapter's removals: {removals:?}");
    for (language, body) in removals {
        let out = match language.as_str() {
            "diff" => {
                let patch = dir.join("removal.patch");
                fs::write(&patch, &body).expect("write the patch");
                let out = Command::new("git")
                    .args(["apply", "removal.patch"])
                    .current_dir(dir)
                    .output()
                    .expect("run git apply");
                fs::remove_file(&patch).expect("remove the patch");
                out
            }
            "sh" => Command::new("sh")
                .args(["-c", &body])
                .current_dir(dir)
                .output()
                .expect("run sh"),
            other => panic!("a removal in {other}: only diff and sh are applied"),
        };
        assert!(
            out.status.success(),
            "the chapter's removal does not apply to a generated app:\n{body}\n{}",
            text(&out.stderr)
        );
    }
}

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds and tests a generated app: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_declarative_app_passes_its_tests_and_still_does_without_its_optional_pieces() {
    let (_temp, dir) = generates_an_app_that_passes_its_tests("declarative");

    remove_what_the_chapter_removes(&dir);
    let test = cargo_in(&dir, &["test"]);
    let stdout = text(&test.stdout);
    assert!(
        test.status.success(),
        "cargo test failed after the chapter's removals:\n{}\n{stdout}",
        text(&test.stderr)
    );
    assert_no_warnings(&test, "cargo test after the chapter's removals");
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("a Cargo.toml");
    assert!(!manifest.contains("utoipa-swagger-ui"), "{manifest}");
    assert!(!stdout.contains("idempotency::"), "{stdout}");
    for case in [
        "users::a_created_user_is_answered_201_with_its_location_and_reads_back_the_same ... ok",
        "users::the_openapi_document_describes_every_route ... ok",
    ] {
        assert!(stdout.contains(case), "{case}: {stdout}");
    }
}

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds and tests a generated app: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_manual_mapping_app_passes_its_tests() {
    generates_an_app_that_passes_its_tests("manual-mapping");
}

#[test]
#[cfg_attr(
    not(slow_tests),
    ignore = "builds and tests a generated app: run with RUN_SLOW_TESTS=1 (just test-all)"
)]
fn the_sql_abstraction_app_passes_its_tests() {
    generates_an_app_that_passes_its_tests("sql-abstraction");
}

#[test]
fn every_pattern_of_the_repository_is_offered() {
    let mut dirs: Vec<String> = fs::read_dir(repo_root().join("patterns"))
        .expect("the patterns directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    dirs.sort();
    let offered: Vec<&str> = PATTERNS.iter().map(|p| p.name).collect();
    assert_eq!(
        dirs, offered,
        "add the new pattern to tools/new-app/src/patterns.rs"
    );
}

#[test]
fn help_lists_every_pattern() {
    let out = new_app(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for pattern in PATTERNS {
        assert!(help.contains(pattern.name), "{help}");
    }
    assert!(help.contains("--name NAME"), "{help}");
}

#[test]
fn a_directory_that_is_not_empty_is_refused_and_left_alone() {
    let temp = TempDir::new("not-empty");
    let kept = temp.0.join("notes.txt");
    fs::write(&kept, "mine").expect("write a file");
    let out = new_app(&["declarative", temp.0.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not empty: nothing was written"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read_dir(&temp.0).expect("read").count(), 1);
    assert_eq!(fs::read_to_string(kept).expect("read"), "mine");
}

#[test]
fn an_unknown_pattern_is_refused_with_the_choices() {
    let temp = TempDir::new("unknown");
    let out = new_app(&["active-record", temp.0.join("app").to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no pattern called \"active-record\": choose one of declarative, manual-mapping, sql-abstraction"), "{stderr}");
    assert!(!temp.0.join("app").exists());
}

#[test]
fn the_package_name_defaults_to_the_directory_and_can_be_given() {
    let temp = TempDir::new("names");
    let out = new_app(&[
        "sql-abstraction",
        temp.0.join("orders-api").to_str().expect("UTF-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = fs::read_to_string(temp.0.join("orders-api/Cargo.toml")).expect("read");
    assert!(manifest.contains("name = \"orders-api\""), "{manifest}");
    let main = fs::read_to_string(temp.0.join("orders-api/src/main.rs")).expect("read");
    assert!(main.contains("orders_api::app(app_pool.clone())"), "{main}");

    let out = new_app(&[
        "declarative",
        temp.0.join("x").to_str().expect("UTF-8"),
        "--name",
        "billing",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = fs::read_to_string(temp.0.join("x/Cargo.toml")).expect("read");
    assert!(manifest.contains("name = \"billing\""), "{manifest}");
}

#[test]
fn names_cargo_would_refuse_are_refused_before_writing() {
    let temp = TempDir::new("bad-names");
    for (name, says) in [
        ("9lives", "cannot be a package name"),
        ("my service", "cannot be a package name"),
        ("diesel", "is the name of a crate the app uses"),
        ("serde-json", "is the name of a crate the app uses"),
        ("MyService", "cannot be a package name"),
        ("fn", "is a Rust keyword"),
        ("type", "is a Rust keyword"),
        ("examples", "a folder of Cargo's build"),
    ] {
        let dir = temp.0.join("app");
        let out = new_app(&["declarative", dir.to_str().expect("UTF-8"), "--name", name]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            text(&out.stderr).contains(says),
            "{name}: {}",
            text(&out.stderr)
        );
        assert!(!dir.exists(), "{name}: nothing may be written");
    }
}

#[test]
fn a_directory_inside_this_repository_is_refused() {
    let inside = repo_root().join("target").join("an-app-here");
    let out = new_app(&["declarative", inside.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is inside this repository"),
        "{}",
        text(&out.stderr)
    );
    assert!(!inside.exists());

    // Through a folder beside it that does not exist, and back in.
    let root = repo_root().canonicalize().expect("the repository");
    let name = root
        .file_name()
        .expect("its folder's name")
        .to_string_lossy();
    let beside = root.parent().expect("a folder above it");
    let missing = beside.join(format!("no-such-folder-{}", std::process::id()));
    let back_in = missing.join(format!("../{name}/target/escaped"));
    let out = new_app(&["declarative", back_in.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("is inside this repository"),
        "{}",
        text(&out.stderr)
    );
    assert!(!missing.exists(), "a folder was made for a refused app");
}
