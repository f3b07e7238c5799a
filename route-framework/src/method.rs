//! `Method`: the HTTP methods a route key may name.

use std::fmt;

/// HTTP methods a route key may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(clippy::upper_case_acronyms)]
pub enum Method {
    /// `GET` (also serves `HEAD` when no `HEAD` route exists).
    GET,
    /// `POST`.
    POST,
    /// `PUT`.
    PUT,
    /// `PATCH`.
    PATCH,
    /// `DELETE`.
    DELETE,
    /// `HEAD`.
    HEAD,
    /// `OPTIONS`.
    OPTIONS,
}

impl Method {
    /// Every method, in the order `Allow` headers list them.
    pub const ALL: [Method; 7] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];

    /// The method's name as it appears in a route key.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
        }
    }

    /// Converts from the `http` crate's method; `None` for methods no route can have.
    pub fn from_http(method: &http::Method) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == method.as_str())
    }

    /// Position in [`Method::ALL`], for per-path method tables.
    pub(crate) const fn index(self) -> usize {
        match self {
            Method::GET => 0,
            Method::HEAD => 1,
            Method::POST => 2,
            Method::PUT => 3,
            Method::PATCH => 4,
            Method::DELETE => 5,
            Method::OPTIONS => 6,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
