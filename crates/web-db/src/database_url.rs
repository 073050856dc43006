//! Which database a URL names, and how to show it without its password.

use std::fmt;
use std::ops::Range;

/// A database location, with the backend decided from the URL at run time.
///
/// Shown with `{}` or `{:?}` alike, a PostgreSQL URL has its password
/// masked: a debug print of the settings or of the pool cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite://PATH`, `sqlite:PATH`, `file:PATH` or a bare path.
    Sqlite(String),
    /// A PostgreSQL server: `postgres://…` or `postgresql://…`, as libpq reads it.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads a URL, refusing the ones no backend here can serve.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if is_libpq_keyword_form(url) {
            // Not echoed: the string may hold a password.
            return Err(
                "DATABASE_URL is in libpq's keyword form (host=… dbname=…), which this app \
                 does not read: write it as a URL, e.g. postgres://USER:PASSWORD@HOST:5432/DATABASE"
                    .to_owned(),
            );
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = if let Some(path) = url.strip_prefix("sqlite://") {
            path
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            path
        } else if url.starts_with("file:") {
            url
        } else if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL has the scheme {scheme:?}, which this app does not serve: \
                 use sqlite://PATH (or a bare file path) or postgres://USER@HOST:PORT/DATABASE"
            ));
        } else {
            url
        };
        let file = sqlite_file(path);
        if file.is_empty() {
            return Err("DATABASE_URL names no SQLite file: use sqlite://PATH".to_owned());
        }
        if file == ":memory:" || path.contains("mode=memory") {
            // Every pooled connection would open a database of its own.
            return Err(
                "an in-memory SQLite database cannot be shared by a connection pool: \
                 name a file instead, e.g. sqlite://users.db"
                    .to_owned(),
            );
        }
        Ok(DatabaseUrl::Sqlite(path.to_owned()))
    }

    /// The backend's name, for messages.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    }

    /// `text` with the URL's password, as written and as decoded, replaced
    /// by `***`: for a driver's error message, which may quote the part of
    /// the URL it could not read (libpq does, for a bad `%` escape).
    pub fn hide_password_in(&self, text: &str) -> String {
        let DatabaseUrl::Postgres(url) = self else {
            return text.to_owned();
        };
        let mut text = text.to_owned();
        for span in password_spans(url) {
            let password = url[span].to_owned();
            let decoded = percent_decode(&password);
            for secret in [password, decoded] {
                if !secret.is_empty() {
                    text = text.replace(&secret, "***");
                }
            }
        }
        text
    }
}

/// The file a SQLite location names: a path as it is, or, for a `file:` URI,
/// its path without the scheme, the authority and the parameters, with its
/// `%XX` escapes decoded (`file:///data/my%20app.db` is `/data/my app.db`).
pub fn sqlite_file(path: &str) -> String {
    let Some(uri) = path.strip_prefix("file:") else {
        return path.to_owned();
    };
    let uri = uri.split(['?', '#']).next().unwrap_or(uri);
    // `file:///abs/path` and `file://localhost/abs/path` name `/abs/path`.
    let uri = match uri.strip_prefix("//") {
        Some(rest) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => uri,
    };
    percent_decode(uri)
}

/// True for `host=db dbname=app password=…`: libpq's other way of naming a
/// server. Without this check it would be taken for a SQLite file name.
fn is_libpq_keyword_form(url: &str) -> bool {
    const KEYWORDS: [&str; 7] = [
        "host", "hostaddr", "port", "dbname", "user", "password", "sslmode",
    ];
    !url.contains("://")
        && url.split_whitespace().any(|word| {
            word.split_once('=')
                .is_some_and(|(key, _)| KEYWORDS.contains(&key.trim()))
        })
}

/// Shows the URL with any password replaced by `***`, safe for logs and terminals.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
            DatabaseUrl::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (variant, shown) = match self {
            DatabaseUrl::Sqlite(path) => ("Sqlite", path.clone()),
            DatabaseUrl::Postgres(url) => ("Postgres", mask_password(url)),
        };
        f.debug_tuple(variant).field(&shown).finish()
    }
}

/// Where the passwords of a URL are, as byte ranges: in its user info
/// (`USER:PASSWORD@`), and in any `password=` of its query string.
fn password_spans(url: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let Some(start) = url.find("://").map(|scheme_end| scheme_end + 3) else {
        return spans;
    };
    let end = start + url[start..].find(['/', '?']).unwrap_or(url.len() - start);
    if let Some(at) = url[start..end].rfind('@')
        && let Some(colon) = url[start..start + at].find(':')
    {
        spans.push(start + colon + 1..start + at);
    }
    let Some(query) = url[end..].find('?').map(|mark| end + mark + 1) else {
        return spans;
    };
    let mut pair_start = query;
    for pair in url[query..].split('&') {
        if let Some((key, _)) = pair.split_once('=')
            && key.eq_ignore_ascii_case("password")
        {
            spans.push(pair_start + key.len() + 1..pair_start + pair.len());
        }
        pair_start += pair.len() + 1;
    }
    spans
}

/// `%XX` escapes decoded; anything that is not one (`100%`, `%+1`) is
/// kept as it is.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also
/// masks a `password=` query parameter.
fn mask_password(url: &str) -> String {
    let mut masked = url.to_owned();
    // From the last, so that the ranges before it stay where they are.
    for span in password_spans(url).into_iter().rev() {
        masked.replace_range(span, "***");
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_comes_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/app.db"),
            Ok(DatabaseUrl::Sqlite("data/app.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("app.db"),
            Ok(DatabaseUrl::Sqlite("app.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://root@127.0.0.1/test"),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn the_file_of_a_sqlite_location_is_its_path() {
        assert_eq!(sqlite_file("users.db"), "users.db");
        assert_eq!(sqlite_file("/data/users.db"), "/data/users.db");
        assert_eq!(sqlite_file("file:users.db?mode=rwc"), "users.db");
        assert_eq!(sqlite_file("file:///data/users.db"), "/data/users.db");
        assert_eq!(
            sqlite_file("file://localhost/data/users.db"),
            "/data/users.db"
        );
        assert_eq!(
            sqlite_file("file:///tmp/my%20app/d.db?mode=rwc"),
            "/tmp/my app/d.db"
        );
        assert_eq!(sqlite_file("file:100%.db"), "100%.db");
        assert_eq!(sqlite_file("file:a%+1.db"), "a%+1.db");
    }

    #[test]
    fn unknown_schemes_and_memory_databases_are_refused() {
        let error = DatabaseUrl::parse("mysql://root@localhost/test").unwrap_err();
        assert!(error.contains("\"mysql\""), "{error}");
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        for no_file in [
            "file::memory:",
            "file:",
            "file:?mode=rwc",
            "file://localhost",
        ] {
            assert!(DatabaseUrl::parse(no_file).is_err(), "{no_file}");
        }
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn the_keyword_form_is_refused_without_showing_the_password() {
        for url in [
            "host=db password=s3cret",
            "dbname=app user=me password='s3cret x'",
        ] {
            let error = DatabaseUrl::parse(url).unwrap_err();
            assert!(error.contains("keyword form"), "{error}");
            assert!(!error.contains("s3cret"), "{error}");
        }
        // A file name with `=` in it that names no libpq keyword is a file.
        assert!(matches!(
            DatabaseUrl::parse("data/a=b.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
    }

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/prod?sslmode=require").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://app:***@db:5432/prod?sslmode=require"
        );
        let url = DatabaseUrl::parse("postgres://app@db/prod?password=s3cret").unwrap();
        assert_eq!(url.to_string(), "postgres://app@db/prod?password=***");
        let url = DatabaseUrl::parse("postgres://app@db/prod").unwrap();
        assert_eq!(url.to_string(), "postgres://app@db/prod");
    }

    #[test]
    fn debug_output_masks_the_password_too() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db/prod").unwrap();
        assert_eq!(
            format!("{url:?}"),
            r#"Postgres("postgres://app:***@db/prod")"#
        );
    }

    #[test]
    fn a_driver_message_quoting_the_password_is_masked() {
        let url = DatabaseUrl::parse("postgres://app:s3cret%zz@db/prod").unwrap();
        assert_eq!(
            url.hide_password_in(r#"invalid percent-encoded token: "s3cret%zz""#),
            r#"invalid percent-encoded token: "***""#
        );
        let url = DatabaseUrl::parse("postgres://app@db/prod?password=p%40ss").unwrap();
        assert_eq!(url.hide_password_in("p@ss and p%40ss"), "*** and ***");
    }
}
