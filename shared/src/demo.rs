//! The console session of `cargo run -p PATTERN -- demo`: the Flask page's
//! interactive session (add a user and commit, list all users, find the first
//! by name), printed step by step with the call made and what it returned.

use serde::Serialize;

/// Prints numbered steps to standard output.
#[derive(Debug, Default)]
pub struct Console {
    steps: usize,
}

impl Console {
    /// Prints one step: what it does, the code that did it, and the result
    /// as JSON (or the error the database gave).
    pub fn show<T: Serialize>(&mut self, title: &str, code: &str, result: Result<&T, String>) {
        self.steps += 1;
        println!("{}. {title}", self.steps);
        println!(
            "   >>> {}",
            code.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        match result {
            Ok(value) => match serde_json::to_string(value) {
                Ok(json) => println!("   {json}"),
                Err(e) => println!("   (cannot show the result as JSON: {e})"),
            },
            Err(error) => println!("   error: {error}"),
        }
        println!();
    }
}

/// Runs one demo step: evaluates the call, prints it with its result, and
/// gives the result back.
///
/// ```ignore
/// let users = demo_step!(console, "list all users", store::list_users(conn, &all))?;
/// ```
#[macro_export]
macro_rules! demo_step {
    ($console:expr, $title:expr, $call:expr) => {{
        let result = $call;
        $console.show(
            $title,
            stringify!($call),
            result.as_ref().map_err(|e| e.to_string()),
        );
        result
    }};
}
