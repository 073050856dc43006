//! `new-app` copies from the checkout it runs in, wherever that is now: a
//! checkout moved after its first build (its `target/` moves with it, and
//! cargo does not rebuild the tool), a binary run from outside, an installed
//! binary. Each case copies what the tool reads to a temporary folder, marks
//! the copy, and checks that the generated app came from the copy.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What the moved checkout's `.env.example` ends with; the generated app
/// copies that file as it is.
const MARK: &str = "# copied from the moved checkout";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// This checkout, as cargo names it when it runs the test.
fn repo_root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    Path::new(&manifest_dir).join("../..")
}

/// A folder outside the repository, removed when the test ends.
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

/// Copies `from` into `to`, leaving out build output and git's data.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        fs::create_dir_all(to.parent().expect("a folder")).expect("create a folder of the copy");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        return;
    }
    fs::create_dir_all(to).expect("create a folder of the copy");
    for entry in fs::read_dir(from).expect("read a folder of the checkout") {
        let entry = entry.expect("a folder entry");
        let name = entry.file_name();
        if name != "target" && name != ".git" {
            copy_tree(&entry.path(), &to.join(name));
        }
    }
}

/// This checkout's sources, and the built tool in its `target/debug`, copied
/// to `<temp>/rust-patterns` as `mv` would move them, then marked.
fn moved_checkout(temp: &TempDir) -> (PathBuf, PathBuf) {
    let moved = temp.0.join("rust-patterns");
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        ".env.example",
        "clippy.toml",
        ".cargo",
        "crates",
        "shared",
        "patterns",
        "tools",
    ] {
        copy_tree(&repo_root().join(part), &moved.join(part));
    }
    let env_example = moved.join(".env.example");
    let mut marked = fs::read_to_string(&env_example).expect("read .env.example");
    marked.push_str(MARK);
    marked.push('\n');
    fs::write(&env_example, marked).expect("mark the copy");
    let binary = moved.join("target/debug/new-app");
    fs::create_dir_all(binary.parent().expect("a folder")).expect("create target/debug");
    fs::copy(env!("CARGO_BIN_EXE_new-app"), &binary).expect("copy the built tool");
    (moved, binary)
}

/// Runs `binary` in `dir` with a clean `NEW_APP_SOURCES` unless given.
fn run(binary: &Path, dir: &Path, args: &[&str], sources: Option<&Path>) -> Output {
    let mut command = Command::new(binary);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NEW_APP_SOURCES");
    if let Some(sources) = sources {
        command.env("NEW_APP_SOURCES", sources);
    }
    // A binary copied a moment ago can be "busy" for a short while: another
    // test's thread may fork while the copy's file is still open for
    // writing, and the child holds it until it execs. Try again then.
    for _ in 0..50 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            outcome => return outcome.expect("run new-app"),
        }
    }
    panic!("{} stayed busy for 5 s", binary.display())
}

/// Whether the app generated into `app` came from the moved copy.
fn copied_from_the_move(out: &Output, app: &Path) -> bool {
    assert!(
        out.status.success(),
        "new-app failed: {}",
        text(&out.stderr)
    );
    fs::read_to_string(app.join(".env.example"))
        .expect("the app's .env.example")
        .contains(MARK)
}

#[test]
fn run_inside_a_moved_checkout_it_copies_from_there() {
    let temp = TempDir::new("moved-inside");
    let (moved, binary) = moved_checkout(&temp);
    // As `just new-app declarative ../my-service` runs it: in the checkout.
    let out = run(&binary, &moved, &["declarative", "../my-service"], None);
    assert!(copied_from_the_move(&out, &temp.0.join("my-service")));
}

#[test]
fn run_from_elsewhere_it_copies_from_the_checkout_its_binary_is_in() {
    let temp = TempDir::new("moved-elsewhere");
    let (_moved, binary) = moved_checkout(&temp);
    let out = run(&binary, &temp.0, &["manual-mapping", "my-service"], None);
    assert!(copied_from_the_move(&out, &temp.0.join("my-service")));
}

#[test]
fn an_installed_binary_copies_from_the_checkout_it_is_told_of() {
    let temp = TempDir::new("installed");
    let (moved, binary) = moved_checkout(&temp);
    let installed = temp.0.join("bin/new-app");
    fs::create_dir_all(temp.0.join("bin")).expect("create bin");
    fs::copy(&binary, &installed).expect("install the tool");
    let out = run(&installed, &temp.0, &["declarative", "told"], Some(&moved));
    assert!(copied_from_the_move(&out, &temp.0.join("told")));
    // Told nothing, outside any checkout: the one it was built in, while
    // that is still there.
    let out = run(&installed, &temp.0, &["declarative", "untold"], None);
    assert!(!copied_from_the_move(&out, &temp.0.join("untold")));
}

#[test]
fn sources_that_are_not_a_checkout_are_refused_before_writing() {
    let temp = TempDir::new("not-a-checkout");
    let out = run(
        Path::new(env!("CARGO_BIN_EXE_new-app")),
        &temp.0,
        &["declarative", "app"],
        Some(&temp.0),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("NEW_APP_SOURCES=") && stderr.contains("is not a checkout"),
        "{stderr}"
    );
    assert!(!temp.0.join("app").exists());
}
