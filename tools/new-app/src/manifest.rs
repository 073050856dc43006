//! The app's `Cargo.toml`: the dependencies of `shared` and the pattern,
//! with the versions, features and comments the workspace gives them, the
//! vendored library by path, and the workspace's lints.
//!
//! The manifests of this repository are read line by line: they only use the
//! forms below, and anything else is reported rather than guessed at.

use std::path::Path;

use crate::read;

/// The parts of the workspace manifest an app inherits.
struct Workspace {
    /// `[workspace.dependencies]`: each name with its line and the comment
    /// lines just above it.
    dependencies: Vec<(String, String)>,
    /// `edition` and `rust-version` of `[workspace.package]`.
    package_fields: Vec<String>,
    /// The `[workspace.lints.*]` tables, renamed `[lints.*]`.
    lints: String,
    /// The `[profile.*]` tables, with the comment above the first.
    profiles: String,
}

/// The `Cargo.toml` of an app named `package` copied from `pattern_dir`.
pub fn app_manifest(repo: &Path, pattern_dir: &str, package: &str) -> Result<String, String> {
    let workspace = read_workspace(&read(repo, "Cargo.toml")?)?;
    let pattern_toml = read(repo, &format!("{pattern_dir}/Cargo.toml"))?;

    let mut dependencies =
        inherited_dependencies(&read(repo, "shared/Cargo.toml")?, "dependencies")?;
    for name in inherited_dependencies(&pattern_toml, "dependencies")? {
        if !dependencies.contains(&name) {
            dependencies.push(name);
        }
    }
    let mut dev_dependencies = Vec::new();
    for name in inherited_dependencies(&read(repo, "shared/Cargo.toml")?, "dev-dependencies")?
        .into_iter()
        .chain(inherited_dependencies(&pattern_toml, "dev-dependencies")?)
    {
        if !dependencies.contains(&name) && !dev_dependencies.contains(&name) {
            dev_dependencies.push(name);
        }
    }

    let mut toml = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\n\
         description = \"A JSON API over users and their posts, with actix-web and diesel.\"\n"
    );
    for line in &workspace.package_fields {
        toml.push_str(line);
        toml.push('\n');
    }
    toml.push_str("publish = false\n");
    for (table, library, names) in [
        (
            "dependencies",
            "# The database machinery, vendored: a copy of the crate that this app owns.\n\
             web-db = { path = \"vendor/web-db\" }\n",
            &dependencies,
        ),
        (
            "dev-dependencies",
            "# What the tests are built on: a database per test, the app on a free port.\n\
             web-db-test = { path = \"vendor/web-db-test\" }\n",
            &dev_dependencies,
        ),
    ] {
        toml.push_str(&format!("\n[{table}]\n{library}"));
        for name in names {
            let line = workspace
                .dependencies
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, line)| line)
                .ok_or_else(|| format!("{name} is not in [workspace.dependencies]"))?;
            toml.push_str(line);
        }
    }
    toml.push_str(
        "\n# The vendored crates are members, so that `cargo test --workspace` runs\n\
         # their tests too, and every crate shares one lock file and one target/.\n\
         [workspace]\nmembers = [\"vendor/web-db\", \"vendor/web-db-test\"]\n\n",
    );
    toml.push_str(&workspace.lints);
    if !workspace.profiles.is_empty() {
        toml.push('\n');
        toml.push_str(&workspace.profiles);
    }
    Ok(toml)
}

/// The names in `[table]` of a member manifest that are `name.workspace =
/// true`; path dependencies (other crates of this workspace) are skipped,
/// as the app holds their code itself.
fn inherited_dependencies(toml: &str, table: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for line in table_lines(toml, table) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_suffix(".workspace = true") {
            if !matches!(name, "shared" | "conformance" | "web-db" | "web-db-test") {
                names.push(name.to_string());
            }
        } else if !line.contains("path = ") {
            return Err(format!(
                "unexpected dependency line in [{table}]: {line:?} (use name.workspace = true)"
            ));
        }
    }
    Ok(names)
}

/// The lines of `[table]`, up to the next table.
fn table_lines<'a>(toml: &'a str, table: &str) -> impl Iterator<Item = &'a str> {
    let header = format!("[{table}]");
    toml.lines()
        .skip_while(move |line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
}

/// The `[profile.*]` tables as written, the comment just above the first
/// included: how this workspace builds, which an app keeps.
fn profiles(toml: &str) -> String {
    let lines: Vec<&str> = toml.lines().collect();
    let Some(first) = lines.iter().position(|l| l.starts_with("[profile")) else {
        return String::new();
    };
    let mut start = first;
    while start > 0 && lines[start - 1].starts_with('#') {
        start -= 1;
    }
    let mut kept = Vec::new();
    let mut in_profile = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile");
        }
        if i < first || in_profile {
            kept.push(*line);
        }
    }
    kept.join("\n").trim_end().to_string() + "\n"
}

fn read_workspace(toml: &str) -> Result<Workspace, String> {
    let mut dependencies = Vec::new();
    let mut comments = String::new();
    for line in table_lines(toml, "workspace.dependencies") {
        if line.starts_with('#') {
            comments.push_str(line);
            comments.push('\n');
        } else if let Some((name, _)) = line.split_once('=') {
            dependencies.push((name.trim().to_string(), format!("{comments}{line}\n")));
            comments.clear();
        } else {
            comments.clear();
        }
    }
    let package_fields = table_lines(toml, "workspace.package")
        .filter(|line| line.starts_with("edition") || line.starts_with("rust-version"))
        .map(str::to_string)
        .collect::<Vec<_>>();
    if package_fields.len() != 2 {
        return Err("[workspace.package] must give edition and rust-version".into());
    }
    let mut lints = String::new();
    for table in ["workspace.lints.rust", "workspace.lints.clippy"] {
        lints.push_str(&format!("[{}]\n", table.trim_start_matches("workspace.")));
        // The comments just before the next table are that table's.
        let mut lines: Vec<&str> = table_lines(toml, table)
            .filter(|l| !l.trim().is_empty())
            .collect();
        while lines.last().is_some_and(|l| l.starts_with('#')) {
            lines.pop();
        }
        for line in lines {
            lints.push_str(line);
            lints.push('\n');
        }
        lints.push('\n');
    }
    Ok(Workspace {
        dependencies,
        package_fields,
        lints: lints.trim_end().to_string() + "\n",
        profiles: profiles(toml),
    })
}
