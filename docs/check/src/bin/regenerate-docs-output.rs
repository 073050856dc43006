//! Rewrites every output block of the book and the READMEs
//! (`<!-- output: NAME -->`) with what the programs print today. Run by
//! `just docs-output`.

fn main() {
    let chapters = docs_check::documents().unwrap_or_else(|message| {
        eprintln!("error: {message}");
        std::process::exit(1);
    });
    for chapter in chapters {
        let current = docs_check::with_current_outputs(&chapter);
        if current != chapter.text {
            if let Err(e) = std::fs::write(&chapter.path, current) {
                eprintln!("error: cannot write {}: {e}", chapter.name);
                std::process::exit(1);
            }
            println!("updated {}", chapter.name);
        }
    }
}
