//! The inputs of `cargo xtask new`, checked as the attributes check them,
//! and the names derived from them.
//!
//! A route's name (its file's, its handler's) is `VERB_NOUN`: the verb is
//! `get` (or `list` for a GET of a plural collection: a path ending in a
//! static segment ending in `s`), `create` (POST), `put`, `update` (PATCH)
//! or `delete`; the noun is the path's static segments in order, lower-case,
//! other characters as `_`, a segment singular (a trailing `s` dropped,
//! `ies` as `y`, not `ss`, `us` or `is`) when a parameter follows it or when
//! it ends a POST's path; parameters are left out; no static segment is
//! `root`. So `POST /things/{thingId}` is `create_thing`, `GET /things` is
//! `list_things`, `DELETE /goals/{goalId}/attachments/{attachmentId}` is
//! `delete_goal_attachment`. A consumer is named after its event type
//! (`thing.created` is `thing_created`), a job by its NAME.

use std::fmt;

use route_grammar::module_name::{self, KEYWORDS};
use route_grammar::route_key::{self, Segment};

/// The methods a route key may name (the `#[route]` grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
}

impl Method {
    /// Every method, as written in a route key.
    const ALL: [(&'static str, Method); 7] = [
        ("GET", Method::Get),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
        ("HEAD", Method::Head),
        ("OPTIONS", Method::Options),
    ];

    /// The method as a route key writes it.
    pub(super) fn as_str(self) -> &'static str {
        Method::ALL
            .iter()
            .find(|(_, method)| *method == self)
            .map_or("GET", |(text, _)| text)
    }

    /// Whether a request of this method carries a JSON body.
    pub(super) fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

/// A route key that passes the `#[route]` grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RouteKey {
    /// Its method.
    pub(super) method: Method,
    /// Its path's segments, in order (none for `/`).
    pub(super) segments: Vec<Segment>,
}

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path())
    }
}

impl RouteKey {
    /// Parses `text` with the `#[route]` grammar (`route-grammar`), saying
    /// everything that is wrong otherwise.
    pub(super) fn parse(text: &str) -> Result<RouteKey, String> {
        let key = route_key::parse(text).map_err(|problems| problems.join("; "))?;
        let method = Method::ALL
            .iter()
            .find(|(name, _)| *name == key.method)
            .map(|&(_, method)| method)
            .ok_or_else(|| format!("unsupported method `{}`", key.method))?;
        Ok(RouteKey {
            method,
            segments: key.segments,
        })
    }

    /// The path, as written in the key.
    pub(super) fn path(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_owned();
        }
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Static(text) => format!("/{text}"),
                Segment::Param { name, greedy: false } => format!("/{{{name}}}"),
                Segment::Param { name, greedy: true } => format!("/{{{name}+}}"),
            })
            .collect()
    }

    /// The path parameters, in order, as the generated code names them.
    pub(super) fn params(&self) -> Vec<Param> {
        let mut params: Vec<Param> = Vec::new();
        for segment in &self.segments {
            let Segment::Param { name, greedy } = segment else {
                continue;
            };
            let mut field = snake(name);
            if field.chars().all(|c| c == '_') || KEYWORDS.contains(&field.as_str()) {
                field.push('_');
            }
            while params.iter().any(|param| param.field == field) {
                field.push_str("_2");
            }
            let stem = field.trim_matches('_').replace('_', "-");
            let sample = match (stem.is_empty(), greedy) {
                (true, false) => "value-1".to_owned(),
                (true, true) => "value-1/more".to_owned(),
                (false, false) => format!("{stem}-1"),
                (false, true) => format!("{stem}-1/more"),
            };
            params.push(Param {
                name: name.clone(),
                field,
                greedy: *greedy,
                sample,
            });
        }
        params
    }

    /// The name this route's file and handler take (see the module's doc).
    pub(super) fn derived_name(&self) -> String {
        let last_is_param = matches!(self.segments.last(), Some(Segment::Param { .. }));
        let mut nouns = Vec::new();
        for (index, segment) in self.segments.iter().enumerate() {
            let Segment::Static(text) = segment else {
                continue;
            };
            let word = identifier_words(text);
            if word.is_empty() {
                continue;
            }
            let followed_by_param = matches!(self.segments.get(index + 1), Some(Segment::Param { .. }));
            let ends_a_post = self.method == Method::Post && index + 1 == self.segments.len();
            nouns.push(if followed_by_param || ends_a_post {
                singular(&word)
            } else {
                word
            });
        }
        let verb = match self.method {
            Method::Get if !last_is_param && nouns.last().is_some_and(|noun| singular(noun) != *noun) => "list",
            Method::Get | Method::Head | Method::Options => "get",
            Method::Post => "create",
            Method::Put => "put",
            Method::Patch => "update",
            Method::Delete => "delete",
        };
        if nouns.is_empty() {
            nouns.push("root".to_owned());
        }
        format!("{verb}_{}", nouns.join("_"))
    }
}

/// A path parameter as the generated code names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Param {
    /// Its name in the route key.
    pub(super) name: String,
    /// The Rust field holding it (`thingId` is `thing_id`).
    pub(super) field: String,
    /// Whether it captures the rest of the path.
    pub(super) greedy: bool,
    /// A value the generated test sends for it.
    pub(super) sample: String,
}

/// Checks an event type with the `#[on_event]` grammar (`route-grammar`).
pub(super) fn check_event_type(text: &str) -> Result<(), String> {
    route_grammar::event_type::check(text)
}

/// Checks a schedule expression with the grammar `#[schedule]` uses.
pub(super) fn check_schedule(text: &str) -> Result<(), String> {
    if text.contains(['"', '\\']) {
        return Err(format!("`{text}` is not a schedule expression"));
    }
    route_grammar::schedule::parse(text).map(drop)
}

/// Checks a job's or a route's NAME: a lower-case Rust identifier, not a
/// keyword, as the file and the function are named by it.
pub(super) fn check_item_name(name: &str) -> Result<(), String> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase()) && module_name::is_valid(name);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid name `{name}`: use lower-case letters, digits and `_`, starting with a letter (a file's and a function's name, not a keyword)"
        ))
    }
}

/// The consumer of `event_type`'s name: `thing.created` is `thing_created`.
pub(super) fn consumer_name(event_type: &str) -> String {
    let name = identifier_words(event_type);
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_event")
    } else {
        name
    }
}

/// `text` lower-cased, every run of other characters than letters and digits
/// one `_`, none at either end.
fn identifier_words(text: &str) -> String {
    let mut words = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            words.push(c.to_ascii_lowercase());
        } else if !words.is_empty() && !words.ends_with('_') {
            words.push('_');
        }
    }
    words.trim_end_matches('_').to_owned()
}

/// `word` made singular, naively: `things` → `thing`, `entries` → `entry`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies").filter(|stem| !stem.is_empty()) {
        return format!("{stem}y");
    }
    if word.len() > 1 && word.ends_with('s') && !["ss", "us", "is"].iter().any(|end| word.ends_with(end)) {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// A parameter name as a Rust field: `thingId` → `thing_id`, `userID` → `user_id`.
pub(super) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut snake = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let previous = index.checked_sub(1).and_then(|i| chars.get(i));
            let next = chars.get(index + 1);
            let boundary = previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(char::is_ascii_uppercase) && next.is_some_and(char::is_ascii_lowercase));
            if boundary && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// A snake-case name as a type name: `create_thing` → `CreateThing`.
pub(super) fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A snake-case name as a sentence: `create_thing` → `Create thing.`
pub(super) fn sentence(name: &str) -> String {
    let words = name
        .split('_')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_ascii_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The first string argument of every `#[attribute("…"` in `text`, outside
/// line comments (as `api-handler/tests/registry.rs` scans route keys).
pub(super) fn annotated<'a>(text: &'a str, attribute: &str) -> impl Iterator<Item = &'a str> {
    let prefix = format!("#[{attribute}(\"");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .filter_map(move |line| line.strip_prefix(prefix.as_str()))
        .filter_map(|rest| rest.split('"').next())
}

/// The names of the functions `#[schedule(…)]` annotates in `text`: the
/// first `fn NAME` after each attribute.
pub(super) fn scheduled_jobs(text: &str) -> impl Iterator<Item = &str> {
    let mut pending = false;
    text.lines().map(str::trim).filter_map(move |line| {
        if line.starts_with("//") {
            return None;
        }
        if line.starts_with("#[schedule(") {
            pending = true;
        }
        let name = line.split_once("fn ").filter(|_| pending).map(|(_, rest)| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
        });
        if name.is_some() {
            pending = false;
        }
        name
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(key: &str) -> String {
        RouteKey::parse(key).unwrap().derived_name()
    }

    #[test]
    fn route_names_read_as_what_the_route_does() {
        for (key, expected) in [
            ("POST /things/{thingId}", "create_thing"),
            ("POST /things", "create_thing"),
            ("GET /things", "list_things"),
            ("GET /things/{thingId}", "get_thing"),
            ("PUT /things/{thingId}", "put_thing"),
            ("PATCH /things/{thingId}", "update_thing"),
            (
                "DELETE /goals/{goalId}/attachments/{attachmentId}",
                "delete_goal_attachment",
            ),
            ("GET /goals/{goalId}/progress", "get_goal_progress"),
            ("POST /goals/{goalId}/progress", "create_goal_progress"),
            ("GET /users/{userId}/profile", "get_user_profile"),
            ("GET /categories", "list_categories"),
            ("GET /categories/{id}", "get_category"),
            ("GET /health", "get_health"),
            ("GET /status", "get_status"),
            ("GET /", "get_root"),
            ("DELETE /{id}", "delete_root"),
            ("GET /files/{path+}", "get_file"),
            ("GET /v1/well-known.json", "get_v1_well_known_json"),
            ("POST /auth/login", "create_auth_login"),
        ] {
            assert_eq!(name(key), expected, "{key}");
            check_item_name(&name(key)).unwrap();
        }
    }

    #[test]
    fn route_keys_follow_the_macro_grammar() {
        let key = RouteKey::parse("GET /files/{bucket}/{path+}").unwrap();
        assert_eq!(key.to_string(), "GET /files/{bucket}/{path+}");
        assert_eq!(RouteKey::parse("DELETE /").unwrap().path(), "/");
        for (bad, message) in [
            ("GET", "expected `METHOD /path`"),
            ("get /things", "write `GET`"),
            ("FETCH /things", "expected one of GET, POST"),
            ("GET things", "must start with a `/`"),
            ("GET /things/", "cannot end with a `/`"),
            ("GET /things//x", "empty segment"),
            ("GET /a b", "whitespace"),
            ("GET /things/{}", "empty path parameter"),
            ("GET /things/{1x}", "invalid path parameter name"),
            ("GET /things/x{id}", "whole segment"),
            ("GET /things/{a}/{a}", "duplicate path parameter"),
            ("GET /{rest+}/x", "must be the last segment"),
            ("GET /th!ngs", "invalid character `!`"),
        ] {
            let err = RouteKey::parse(bad).unwrap_err();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }

    #[test]
    fn parameters_become_fields_and_sample_values() {
        let key = RouteKey::parse("GET /a/{thingId}/{userID}/{type}/{thing_id}/{_}/{rest+}").unwrap();
        let fields: Vec<(String, String)> = key.params().into_iter().map(|p| (p.field, p.sample)).collect();
        let expected = [
            ("thing_id", "thing-id-1"),
            ("user_id", "user-id-1"),
            ("type_", "type-1"),
            ("thing_id_2", "thing-id-2-1"),
            ("__", "value-1"),
            ("rest", "rest-1/more"),
        ];
        assert_eq!(
            fields,
            expected.map(|(field, sample)| (field.to_owned(), sample.to_owned()))
        );
        assert_eq!(snake("HTTPCode"), "http_code");
        assert_eq!(snake("id"), "id");
        assert_eq!(pascal("create_thing"), "CreateThing");
        assert_eq!(pascal("get_v1_x"), "GetV1X");
        assert_eq!(sentence("create_thing"), "Create thing.");
    }

    #[test]
    fn event_types_names_and_schedules_are_checked_as_the_macros_do() {
        assert!(check_event_type("thing.created").is_ok());
        assert!(check_event_type("a-b_c.d2").is_ok());
        for bad in [
            "Thing.created",
            "1thing",
            "",
            "thing created",
            "thing\"",
            &"a".repeat(129),
        ] {
            assert!(check_event_type(bad).is_err(), "{bad}");
        }
        assert_eq!(consumer_name("thing.created"), "thing_created");
        assert_eq!(consumer_name("a-b..c"), "a_b_c");
        assert_eq!(consumer_name("type"), "type_event");
        assert!(check_schedule("rate(1 hour)").is_ok());
        assert!(check_schedule("cron(0 20 * * ? *)").is_ok());
        for bad in [
            "rate(1 hours)",
            "rate(0 minutes)",
            "cron(0 20 * * * *)",
            "every hour",
            "rate(1 hour)\"",
        ] {
            assert!(check_schedule(bad).is_err(), "{bad}");
        }
        assert!(check_item_name("tidy_things2").is_ok());
        for bad in ["Tidy", "2tidy", "tidy-things", "match", ""] {
            assert!(check_item_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registered_keys_types_and_jobs_are_found_in_source() {
        let text = "// #[route(\"GET /old\")]\n#[route(\"POST /notes\", public)]\nasync fn create() {}\n\
                    #[on_event(\"note.created\")]\n#[schedule(\"rate(1 minute)\")]\n/// Doc.\npub async fn count_notes(x: X) {}\nfn other() {}\n";
        assert_eq!(annotated(text, "route").collect::<Vec<_>>(), ["POST /notes"]);
        assert_eq!(annotated(text, "on_event").collect::<Vec<_>>(), ["note.created"]);
        assert_eq!(scheduled_jobs(text).collect::<Vec<_>>(), ["count_notes"]);
    }
}
