//! `cargo run -p new-app -- PATTERN DIR [--name NAME]` (or `just new-app
//! PATTERN DIR`): writes a standalone app started from PATTERN into DIR.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use new_app::patterns;
use new_app::{Request, find_sources, generate, report, usage};

/// The request the arguments make, or the message to print.
fn parse(args: &[String]) -> Result<Request, String> {
    let mut positional = Vec::new();
    let mut package = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--name" => match args.next() {
                Some(name) => package = Some(name.clone()),
                None => return Err("--name needs a value".into()),
            },
            other if other.starts_with("--name=") => {
                package = Some(other.trim_start_matches("--name=").to_string());
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => positional.push(other.to_string()),
        }
    }
    let [pattern, dir] = &positional[..] else {
        return Err(format!("expected PATTERN and DIR, got {positional:?}"));
    };
    let pattern = patterns::find(pattern).ok_or_else(|| {
        format!(
            "no pattern called {pattern:?}: choose one of {}",
            patterns::names()
        )
    })?;
    Ok(Request {
        pattern,
        dir: PathBuf::from(dir),
        package,
    })
}

/// Prints to standard output, ignoring a reader that went away (`| head`).
fn print(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print(&usage());
        return ExitCode::SUCCESS;
    }
    let request = match parse(&args) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match find_sources().and_then(|sources| generate(&sources, &request)) {
        Ok((package, files)) => {
            print(&report(&request, &package, &files));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
