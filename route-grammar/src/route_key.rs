//! API Gateway HTTP API route keys: `"METHOD /segment/{param}/{proxy+}"`,
//! what `#[route("…")]` takes.

/// Methods an API Gateway HTTP API route key may name.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// One `/`-separated piece of a route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
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

/// A valid route key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteKey {
    /// The upper-case method, one of [`METHODS`].
    pub method: String,
    /// The path exactly as written, for example `/goals/{goalId}`.
    pub path: String,
    /// The path's segments, in order (none for `/`).
    pub segments: Vec<Segment>,
}

impl RouteKey {
    /// The names of the path parameters, in path order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param { name, .. } => Some(name.as_str()),
            Segment::Static(_) => None,
        })
    }
}

/// Parses `text` as a route key, or says everything that is wrong with it,
/// one message per problem.
///
/// ```
/// use route_grammar::route_key::{self, Segment};
///
/// let key = route_key::parse("GET /goals/{goalId}").unwrap();
/// assert_eq!(key.params().collect::<Vec<_>>(), ["goalId"]);
/// assert_eq!(key.segments[0], Segment::Static("goals".into()));
/// let problems = route_key::parse("get /goals/").unwrap_err();
/// assert_eq!(problems.len(), 2, "{problems:?}");
/// ```
pub fn parse(text: &str) -> Result<RouteKey, Vec<String>> {
    let Some((method, path)) = text.split_once(' ') else {
        return Err(vec![format!(
            "expected `METHOD /path`, such as `GET /goals/{{goalId}}`, found `{text}`"
        )]);
    };
    let mut problems = Vec::new();
    if !METHODS.contains(&method) {
        let hint = if METHODS.contains(&method.to_ascii_uppercase().as_str()) {
            format!(": methods are upper case, write `{}`", method.to_ascii_uppercase())
        } else {
            format!(": expected one of {}", METHODS.join(", "))
        };
        problems.push(format!("unsupported method `{method}`{hint}"));
    }
    let segments = parse_path(path, &mut problems);
    match segments {
        Some(segments) if problems.is_empty() => Ok(RouteKey {
            method: method.to_owned(),
            path: path.to_owned(),
            segments,
        }),
        _ => Err(problems),
    }
}

/// Parses the path part, recording every problem; `None` if any.
fn parse_path(path: &str, problems: &mut Vec<String>) -> Option<Vec<Segment>> {
    if path.chars().any(char::is_whitespace) {
        problems.push("route paths cannot contain whitespace".to_owned());
        return None;
    }
    let Some(rest) = path.strip_prefix('/') else {
        problems.push(format!("route paths must start with a `/`, found `{path}`"));
        return None;
    };
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut ok = true;
    if rest.ends_with('/') {
        ok = false;
        problems.push(format!(
            "route paths cannot end with a `/`: write `{}`",
            path.trim_end_matches('/')
        ));
    }
    let pieces: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let mut segments = Vec::with_capacity(pieces.len());
    for (index, piece) in pieces.iter().enumerate() {
        match parse_segment(piece) {
            Ok(segment) => {
                if let Segment::Param { name, greedy } = &segment {
                    if *greedy && index + 1 != pieces.len() {
                        ok = false;
                        problems.push(format!("greedy path parameter `{{{name}+}}` must be the last segment"));
                    }
                    if segments
                        .iter()
                        .any(|seen| matches!(seen, Segment::Param { name: n, .. } if n == name))
                    {
                        ok = false;
                        problems.push(format!("duplicate path parameter `{{{name}}}`"));
                    }
                }
                segments.push(segment);
            }
            Err(msg) => {
                ok = false;
                problems.push(msg);
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
