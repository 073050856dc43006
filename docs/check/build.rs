//! Decides, when the tests are built, whether the slow end-to-end tests run:
//! those that build a copy of the workspace or a generated app, minutes
//! each. They run when `RUN_SLOW_TESTS` is set (`just test-all` and CI set
//! it); otherwise they are marked `#[ignore]`, with the reason, so that
//! `cargo test` lists them as ignored rather than passed. Cargo runs this
//! again when the variable changes.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(slow_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=RUN_SLOW_TESTS");
    if std::env::var("RUN_SLOW_TESTS").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=slow_tests");
    }
}
