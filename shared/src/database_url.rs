//! Which database a URL names, and how to show it without its password.

use std::fmt;

/// A database location, with the backend decided from the URL at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite://PATH`, `sqlite:PATH`, `file:PATH` or a bare path.
    Sqlite(String),
    /// A PostgreSQL server: `postgres://…` or `postgresql://…`, as libpq reads it.
    Postgres(String),
}

/// Where a pattern keeps its data when `DATABASE_URL` is not set.
pub const DEFAULT_SQLITE_FILE: &str = "users.db";

impl DatabaseUrl {
    /// Reads a URL, refusing the ones no backend here can serve.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
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
        if path.is_empty() {
            return Err("DATABASE_URL names no SQLite file: use sqlite://PATH".to_owned());
        }
        if path == ":memory:" || path.contains("mode=memory") {
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

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also
/// masks a `password=` query parameter.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
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
    fn unknown_schemes_and_memory_databases_are_refused() {
        let error = DatabaseUrl::parse("mysql://root@localhost/test").unwrap_err();
        assert!(error.contains("\"mysql\""), "{error}");
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
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
}
