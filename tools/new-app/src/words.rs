//! The words of the tutorial that must not reach an app: an app made by
//! `new-app` reads as written for itself, so a file that still names the
//! book, the Flask page, the patterns or the workspace it came from fails
//! the generation, with the file and the line.

use crate::rewrite::{Names, names_path};

/// What gives a line away, lower-cased: the tutorial, the page it follows,
/// the patterns side by side, the repository's tools and folders.
const GIVEAWAYS: &[&str] = &[
    "flask",
    "sqlalchemy",
    "tutorial",
    "chapter",
    "the book",
    "this book",
    "book's",
    "conformance",
    "declarative pattern",
    "manual-mapping pattern",
    "manual mapping pattern",
    "sql-abstraction pattern",
    "abstraction-layer pattern",
    "every pattern",
    "each pattern",
    "this pattern",
    "other pattern",
    "three pattern",
    "the patterns",
    "-p declarative",
    "-p manual-mapping",
    "-p sql-abstraction",
    "-p pattern",
    "--package declarative",
    "--package manual-mapping",
    "--package sql-abstraction",
    "docs/src",
    "patterns/",
    "shared/",
    "new-app",
    "demo",
    "`just ",
];

/// Fails if a line of `text`, the app's file `path`, still speaks of where
/// it came from, or names a crate of the workspace the app does not have.
pub fn check(path: &str, text: &str, names: &Names) -> Result<(), String> {
    let pattern_crate = names.pattern.name.replace('-', "_");
    let mut crates = vec!["shared"];
    if pattern_crate != names.app_crate {
        crates.push(&pattern_crate);
    }
    for (number, line) in text.lines().enumerate() {
        // The app's own name is its owner's choice, whatever it contains
        // (`demographics`, `chapter-one`): it is not a leftover.
        let own_names_left_out = line.replace(names.package, "").replace(names.app_crate, "");
        let lower = own_names_left_out.to_lowercase();
        let word = GIVEAWAYS
            .iter()
            .find(|w| lower.contains(*w))
            .map(|w| w.to_string());
        let crate_path = crates
            .iter()
            .find(|c| names_path(&own_names_left_out, c))
            .map(|c| format!("{c}::"));
        if let Some(word) = word.or(crate_path) {
            return Err(format!(
                "{path}:{}: {word:?} is left from the tutorial: {line:?} (word it for an app of its own, or add an edit to tools/new-app/src/rewrite.rs)",
                number + 1
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::find;

    fn names() -> Names<'static> {
        Names {
            package: "my-service",
            app_crate: "my_service",
            pattern: find("declarative").expect("a pattern"),
        }
    }

    #[test]
    fn a_word_of_the_tutorial_fails_with_its_file_and_line() {
        let text = "//! The app.\n//! As the Flask page does.\n";
        let error = check("src/lib.rs", text, &names()).expect_err("Flask");
        assert!(error.starts_with("src/lib.rs:2: \"flask\""), "{error}");
        for line in [
            "run `cargo run -p declarative`",
            "the routes are shared by every pattern",
            "see the book",
            "use shared::models::User;",
            "cargo run -- demo",
        ] {
            assert!(check("src/x.rs", line, &names()).is_err(), "{line}");
        }
    }

    #[test]
    fn the_apps_own_words_pass() {
        let text = "use my_service::models::User;\n#[schema(pattern = r\"^[^@]+$\")]\n// The tests check that every copy of a pattern is the same.\n";
        check("src/models.rs", text, &names()).expect("the app's own words");
    }

    #[test]
    fn the_apps_own_name_passes_whatever_it_contains() {
        let names = Names {
            package: "demo-chapters",
            app_crate: "demo_chapters",
            pattern: find("declarative").expect("a pattern"),
        };
        let text = "[package]\nname = \"demo-chapters\"\n";
        check("Cargo.toml", text, &names).expect("its name");
        check("src/main.rs", "use demo_chapters::cli;", &names).expect("its crate");
        assert!(check("src/lib.rs", "//! the demo", &names).is_err());
    }
}
