//! The book stays true to the code. Each failure names the chapter and line.

fn assert_none(errors: Vec<String>) {
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

/// The chapters of the book, then the READMEs, which show tours and link
/// into the book and the code too.
fn documents() -> Vec<docs_check::Chapter> {
    docs_check::documents().expect("the chapters of docs/src and the READMEs")
}

#[test]
fn every_rust_snippet_is_a_region_of_its_source() {
    assert_none(
        documents()
            .iter()
            .flat_map(docs_check::snippet_errors)
            .collect(),
    );
}

#[test]
fn every_output_is_what_the_program_prints_today() {
    assert_none(
        documents()
            .iter()
            .flat_map(docs_check::stale_outputs)
            .collect(),
    );
}

#[test]
fn every_relative_link_leads_somewhere() {
    assert_none(
        documents()
            .iter()
            .flat_map(docs_check::link_errors)
            .collect(),
    );
}

#[test]
fn only_the_date_of_an_answer_may_differ_from_the_output_shown() {
    let shown = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let now = "HTTP/1.1 200 OK\ndate: Thu, 26 Nov 2026 10:00:00 GMT";
    assert!(docs_check::same_output(
        now,
        &shown(&["HTTP/1.1 200 OK", "date: Wed, 25 Nov 2026 19:08:35 GMT"])
    ));
    assert!(!docs_check::same_output(
        now,
        &shown(&["HTTP/1.1 201 Created", "date: Wed, 25 Nov 2026 19:08:35 GMT"])
    ));
    assert!(!docs_check::same_output(now, &shown(&["HTTP/1.1 200 OK"])));
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
