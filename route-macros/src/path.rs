//! Parsing and validation of the route key: `"METHOD /segment/{param}/{proxy+}"`.

use syn::LitStr;

use crate::ctxt::Ctxt;

/// Methods an API Gateway HTTP API route key may name.
pub(crate) const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// One `/`-separated piece of a route path.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A literal segment such as `goals`.
    Static(String),
    /// A path parameter such as `{goalId}`, or a greedy `{proxy+}` when `greedy`.
    Param {
        /// The parameter's name, without braces or `+`.
        name: String,
        /// Whether it captures the rest of the path.
        greedy: bool,
    },
}

/// A validated route key.
pub(crate) struct RouteKey {
    /// The upper-case method, one of [`METHODS`].
    pub(crate) method: String,
    /// The path exactly as written, for example `/goals/{goalId}`.
    pub(crate) path: String,
    /// The path's segments, in order.
    pub(crate) segments: Vec<Segment>,
}

impl RouteKey {
    /// The names of the path parameters, in path order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param { name, .. } => Some(name.as_str()),
            Segment::Static(_) => None,
        })
    }
}

/// Parses `lit` as a route key, recording every problem in `cx`.
///
/// Returns `None` when the key is too malformed to describe a route at all.
pub(crate) fn parse_route_key(cx: &Ctxt, lit: &LitStr) -> Option<RouteKey> {
    let text = lit.value();
    let Some((method, path)) = text.split_once(' ') else {
        cx.error_spanned_by(
            lit,
            format!("expected `METHOD /path`, such as `GET /goals/{{goalId}}`, found `{text}`"),
        );
        return None;
    };
    let mut valid = true;
    if !METHODS.contains(&method) {
        valid = false;
        let hint = if METHODS.contains(&method.to_ascii_uppercase().as_str()) {
            format!(": methods are upper case, write `{}`", method.to_ascii_uppercase())
        } else {
            format!(": expected one of {}", METHODS.join(", "))
        };
        cx.error_spanned_by(lit, format!("unsupported method `{method}`{hint}"));
    }
    let segments = parse_path(cx, lit, path)?;
    valid.then(|| RouteKey {
        method: method.to_owned(),
        path: path.to_owned(),
        segments,
    })
}

/// Parses the path part, recording every problem in `cx`; `None` if any.
fn parse_path(cx: &Ctxt, lit: &LitStr, path: &str) -> Option<Vec<Segment>> {
    if path.chars().any(char::is_whitespace) {
        cx.error_spanned_by(lit, "route paths cannot contain whitespace");
        return None;
    }
    let Some(rest) = path.strip_prefix('/') else {
        cx.error_spanned_by(lit, format!("route paths must start with a `/`, found `{path}`"));
        return None;
    };
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut ok = true;
    if rest.ends_with('/') {
        ok = false;
        cx.error_spanned_by(
            lit,
            format!(
                "route paths cannot end with a `/`: write `{}`",
                path.trim_end_matches('/')
            ),
        );
    }
    let pieces: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let mut segments = Vec::with_capacity(pieces.len());
    for (index, piece) in pieces.iter().enumerate() {
        match parse_segment(piece) {
            Ok(segment) => {
                if let Segment::Param { name, greedy } = &segment {
                    if *greedy && index + 1 != pieces.len() {
                        ok = false;
                        cx.error_spanned_by(
                            lit,
                            format!("greedy path parameter `{{{name}+}}` must be the last segment"),
                        );
                    }
                    if segments
                        .iter()
                        .any(|seen| matches!(seen, Segment::Param { name: n, .. } if n == name))
                    {
                        ok = false;
                        cx.error_spanned_by(lit, format!("duplicate path parameter `{{{name}}}`"));
                    }
                }
                segments.push(segment);
            }
            Err(msg) => {
                ok = false;
                cx.error_spanned_by(lit, msg);
            }
        }
    }
    ok.then_some(segments)
}

/// Parses one segment, or explains what is wrong with it.
fn parse_segment(piece: &str) -> Result<Segment, String> {
    if piece.is_empty() {
        return Err("route paths cannot contain an empty segment (`//`)".to_owned());
    }
    if let Some(inner) = piece.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if name.is_empty() {
            return Err(format!("empty path parameter name in `{piece}`"));
        }
        let starts_well = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if !starts_well || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "invalid path parameter name `{name}`: use letters, digits and `_`, starting with a letter"
            ));
        }
        return Ok(Segment::Param {
            name: name.to_owned(),
            greedy,
        });
    }
    if piece.contains(['{', '}']) {
        return Err(format!(
            "path parameter must be a whole segment, such as `/{{id}}`, found `{piece}`"
        ));
    }
    if let Some(bad) = piece
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
    {
        return Err(format!(
            "invalid character `{bad}` in path segment `{piece}`: use letters, digits, `-`, `.`, `_` and `~`"
        ));
    }
    Ok(Segment::Static(piece.to_owned()))
}
