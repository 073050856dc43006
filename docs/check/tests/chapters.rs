//! The book stays true to the code. Each failure names the chapter and line.

fn chapters() -> Vec<docs_check::Chapter> {
    docs_check::chapters().expect("the chapters of docs/src")
}

fn assert_none(errors: Vec<String>) {
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

#[test]
fn every_rust_snippet_is_a_region_of_its_source() {
    assert_none(
        chapters()
            .iter()
            .flat_map(docs_check::snippet_errors)
            .collect(),
    );
}

#[test]
fn every_output_is_what_the_program_prints_today() {
    assert_none(
        chapters()
            .iter()
            .flat_map(docs_check::stale_outputs)
            .collect(),
    );
}

#[test]
fn every_relative_link_leads_somewhere() {
    let mut errors: Vec<String> = chapters()
        .iter()
        .flat_map(docs_check::link_errors)
        .collect();
    // The README and the patterns' READMEs link into the book and the code too.
    for readme in [
        "README.md",
        "patterns/declarative/README.md",
        "patterns/manual-mapping/README.md",
        "patterns/sql-abstraction/README.md",
    ] {
        let path = docs_check::repo_root().join(readme);
        let chapter = docs_check::Chapter {
            name: readme.to_owned(),
            text: std::fs::read_to_string(&path).expect("a README"),
            path,
        };
        errors.extend(docs_check::link_errors(&chapter));
    }
    assert_none(errors);
}

#[test]
fn a_changed_line_is_caught() {
    let source = "fn a() {\n    let x = 1;\n    x + 1\n}\n";
    let region = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(docs_check::is_region_of(
        &region(&["let x = 1;", "x + 1"]),
        source
    ));
    assert!(!docs_check::is_region_of(
        &region(&["let x = 2;", "x + 1"]),
        source
    ));
    assert!(!docs_check::is_region_of(
        &region(&["let x = 1;", "    x + 1"]),
        source
    ));
}
