//! The files `cargo xtask new` writes: a route, consumer or job on the
//! framework's public API, and its test through the real dispatchers.
//!
//! What they do, so each works as written and its test says so:
//! - a GET answers its path parameters (and, unless public, the caller's
//!   id) as JSON; a POST, PUT or PATCH takes a body with `garde` rules and
//!   answers it back with the same (POST: 201 `Created`, its `Location` the
//!   request's path); a DELETE answers 204;
//! - a consumer takes a payload with a rule and logs each event;
//! - a job logs the time its schedule fired for.

use route_grammar::route_key::Segment;

use super::names::{self, Method, Param, RouteKey};

/// The value of the body's field in the generated test.
const SAMPLE_NAME: &str = "A name";

/// The user the test's authenticator vouches for.
const TEST_USER: &str = "test-user";

/// The source of the route `key`, handled by `name`.
pub(super) fn route(key: &RouteKey, name: &str, public: bool) -> String {
    let types = names::pascal(name);
    let params = key.params();
    let method = key.method;
    let answers = !matches!(method, Method::Delete);
    let mut out = format!(
        "//! `{key}`: {}\n\nuse route_framework::prelude::*;\n",
        lower_first(&names::sentence(name))
    );

    if !params.is_empty() {
        out.push_str(&format!(
            "\n/// The path parameters of `{key}`.\n#[derive(Debug, Deserialize, Serialize, JsonSchema)]\nstruct {types}Path {{\n"
        ));
        for param in &params {
            let doc = if param.greedy {
                format!("`{{{}+}}`: the rest of the path.", param.name)
            } else {
                format!("`{{{}}}`.", param.name)
            };
            out.push_str(&format!("    /// {doc}\n"));
            if param.field != param.name {
                out.push_str(&format!("    #[serde(rename = \"{}\")]\n", param.name));
            }
            out.push_str(&format!("    {}: String,\n", param.field));
        }
        out.push_str("}\n");
    }

    if method.has_body() {
        out.push_str(&format!(
            "\n/// The body `{key}` takes: its rules are checked\n/// before the handler runs.\n\
             #[derive(Debug, Deserialize, Serialize, JsonSchema, Validate)]\n\
             #[serde(rename_all = \"camelCase\", deny_unknown_fields)]\n\
             struct {types}Request {{\n    \
                 /// A name: 1 to 200 characters.\n    \
                 #[garde(length(chars, min = 1, max = 200))]\n    \
                 name: String,\n\
             }}\n"
        ));
    }

    // The answer's fields, each with its doc and the expression filling it.
    let mut fields: Vec<(&str, String, String, String)> = Vec::new();
    if answers {
        if !params.is_empty() {
            fields.push((
                "path",
                "The path parameters.".into(),
                format!("{types}Path"),
                "path".into(),
            ));
        }
        if !public {
            let doc = "Who called: the authenticated user's id.".into();
            fields.push(("caller", doc, "String".into(), "caller: user.id".into()));
        }
        if method.has_body() {
            fields.push((
                "body",
                "The body, as validated.".into(),
                format!("{types}Request"),
                "body".into(),
            ));
        }
        if fields.is_empty() {
            let doc = "The route that answered.".into();
            fields.push(("route", doc, "String".into(), format!("route: \"{key}\".to_owned()")));
        }
        out.push_str(&format!(
            "\n/// What `{key}` answers{}.\n#[derive(Debug, Serialize, JsonSchema)]\nstruct {types}Response {{\n",
            match (public, fields.as_slice()) {
                (_, [("route", ..)]) => "",
                (true, _) => ": what it was sent",
                (false, _) => ": what it was sent, and by whom",
            }
        ));
        for (field, doc, ty, _) in &fields {
            out.push_str(&format!("    /// {doc}\n    {field}: {ty},\n"));
        }
        out.push_str("}\n");
    }

    let mut args = Vec::new();
    if answers && !public {
        args.push("user: User".to_owned());
    }
    if !params.is_empty() {
        let binding = if answers { "path" } else { "_path" };
        args.push(format!("Path({binding}): Path<{types}Path>"));
    }
    if method.has_body() {
        args.push(format!("Json(body): Json<{types}Request>"));
    }
    let answer = format!(
        "{types}Response {{ {} }}",
        fields
            .iter()
            .map(|(_, _, _, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (output, body) = match method {
        Method::Post => (
            format!("Created<{types}Response>"),
            format!(
                "    let location = {};\n    Created::new(location, {answer})\n",
                location(key, &params)
            ),
        ),
        Method::Delete => ("NoContent".to_owned(), "    NoContent\n".to_owned()),
        _ => (format!("Json<{types}Response>"), format!("    Json({answer})\n")),
    };
    let options = if public { ", public" } else { "" };
    out.push_str(&format!(
        "\n/// {}\n#[route(\"{key}\"{options})]\nasync fn {name}({}) -> {output} {{\n{body}}}\n",
        names::sentence(name),
        args.join(", ")
    ));
    out
}

/// The `Location` of what a POST created: the request's path, as an expression.
fn location(key: &RouteKey, params: &[Param]) -> String {
    if params.is_empty() {
        return format!("\"{}\"", key.path());
    }
    let mut template = String::new();
    let mut values = Vec::new();
    let mut fields = params.iter();
    for segment in &key.segments {
        match segment {
            Segment::Static(text) => template.push_str(&format!("/{text}")),
            Segment::Param { .. } => {
                template.push_str("/{}");
                values.push(
                    fields
                        .next()
                        .map_or_else(String::new, |param| format!("path.{}", param.field)),
                );
            }
        }
    }
    format!("format!(\"{template}\", {})", values.join(", "))
}

/// The test of the route `key`: through a dispatcher over it alone.
pub(super) fn route_test(key: &RouteKey, public: bool, library: &str) -> String {
    let params = key.params();
    let method = key.method;
    let uri = sample_uri(key, &params);
    let mut out = format!(
        "//! `{key}` through the real dispatcher, in process.\n//! Checked: the answer{}{}.\n\
         #![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]\n\n",
        if public {
            ""
        } else {
            ", a caller without a valid token refused"
        },
        if method.has_body() {
            ", a body breaking its rules refused"
        } else {
            ""
        }
    );
    if !public {
        out.push_str("use std::future::Future;\nuse std::pin::Pin;\n");
    }
    out.push_str("use std::sync::Arc;\n\n");
    if public {
        out.push_str("use route_framework::auth::NoAuthenticator;\n");
    } else {
        out.push_str("use route_framework::auth::Authenticator;\n");
    }
    out.push_str("use route_framework::dispatch::Dispatcher;\n");
    if !public {
        out.push_str("use route_framework::prelude::{ApiError, User};\n");
    }
    out.push_str("use route_framework::testing::TestClient;\n");
    if method != Method::Delete {
        out.push_str("use serde_json::json;\n");
    }
    out.push_str(&format!(
        "\n// Links the app: its routes are in the registry once it is linked.\nuse {library} as _;\n\n\
         /// The route under test.\nconst ROUTE: &str = \"{key}\";\n\n\
         /// Where the test sends its requests.\nconst URI: &str = \"{uri}\";\n"
    ));
    if !public {
        out.push_str(&format!(
            "\n/// The one token [`OneToken`] accepts.\nconst TOKEN: &str = \"test-token\";\n\n\
             /// Accepts [`TOKEN`], as the user `{TEST_USER}`, and no other token.\nstruct OneToken;\n\n\
             impl Authenticator for OneToken {{\n    \
                 // The signature `#[async_trait]` gives `verify`, written out: the\n    \
                 // app needs no async-trait dependency.\n    \
                 fn verify<'life0, 'life1, 'async_trait>(\n        \
                     &'life0 self,\n        \
                     token: &'life1 str,\n    \
                 ) -> Pin<Box<dyn Future<Output = Result<User, ApiError>> + Send + 'async_trait>>\n    \
                 where\n        \
                     'life0: 'async_trait,\n        \
                     'life1: 'async_trait,\n        \
                     Self: 'async_trait,\n    \
                 {{\n        \
                     let user = if token == TOKEN {{\n            \
                         Ok(User {{\n                \
                             id: \"{TEST_USER}\".to_owned(),\n                \
                             email: None,\n                \
                             scopes: Vec::new(),\n                \
                             issued_at: None,\n            \
                         }})\n        \
                     }} else {{\n            \
                         Err(ApiError::unauthorized(\"unknown token\"))\n        \
                     }};\n        \
                     Box::pin(std::future::ready(user))\n    \
                 }}\n\
             }}\n"
        ));
    }
    let authenticator = if public { "NoAuthenticator" } else { "OneToken" };
    out.push_str(&format!(
        "\n/// A client of a dispatcher over [`ROUTE`] alone.\nfn client() -> TestClient {{\n    \
             let routes: Vec<_> = route_framework::routes().into_iter().filter(|route| route.route_key == ROUTE).collect();\n    \
             assert_eq!(routes.len(), 1, \"{{ROUTE}} is not in the registry\");\n    \
             TestClient::new(Arc::new(Dispatcher::new(routes, {authenticator}, ()).unwrap()))\n\
         }}\n"
    ));

    let call = method.as_str().to_ascii_lowercase();
    let valid_body = format!(".json(&json!({{ \"name\": \"{SAMPLE_NAME}\" }}))");
    let body = if method.has_body() { valid_body.as_str() } else { "" };
    let bearer = if public { "" } else { ".bearer(TOKEN)" };
    let (test_name, status) = match method {
        Method::Post => ("creates_and_answers_what_it_was_sent", 201),
        Method::Delete => ("answers_no_content", 204),
        Method::Get if params.is_empty() => ("answers", 200),
        Method::Get => ("answers_its_path_parameters", 200),
        _ => ("answers_what_it_was_sent", 200),
    };
    out.push_str(&format!(
        "\n#[tokio::test]\nasync fn {test_name}() {{\n    \
             let response = client().{call}(URI){bearer}{body}.send().await;\n    \
             assert_eq!(response.status, {status}, \"{{}}\", response.text());\n"
    ));
    if method == Method::Post {
        out.push_str("    assert_eq!(response.header(\"location\"), Some(URI));\n");
    }
    if method != Method::Delete {
        out.push_str(&format!(
            "    assert_eq!(response.json(), {});\n",
            expected_answer(key, &params, public)
        ));
    }
    out.push_str("}\n");

    if !public {
        out.push_str(&format!(
            "\n#[tokio::test]\nasync fn refuses_a_caller_without_a_valid_token() {{\n    \
                 let client = client();\n    \
                 let response = client.{call}(URI){body}.send().await;\n    \
                 assert_eq!(response.status, 401, \"{{}}\", response.text());\n    \
                 assert_eq!(response.json()[\"error\"][\"code\"], \"unauthorized\");\n    \
                 let response = client.{call}(URI).bearer(\"forged\"){body}.send().await;\n    \
                 assert_eq!(response.status, 401, \"{{}}\", response.text());\n\
             }}\n"
        ));
    }
    if method.has_body() {
        out.push_str(&format!(
            "\n#[tokio::test]\nasync fn refuses_a_body_breaking_its_rules() {{\n    \
                 let client = client();\n    \
                 let response = client.{call}(URI){bearer}.json(&json!({{ \"name\": \"\" }})).send().await;\n    \
                 assert_eq!(response.status, 422, \"{{}}\", response.text());\n    \
                 assert_eq!(response.json()[\"error\"][\"details\"][0][\"field\"], \"/name\");\n    \
                 let unknown = json!({{ \"name\": \"{SAMPLE_NAME}\", \"unknown\": true }});\n    \
                 let response = client.{call}(URI){bearer}.json(&unknown).send().await;\n    \
                 assert_eq!(response.status, 422, \"{{}}\", response.text());\n\
             }}\n"
        ));
    }
    out
}

/// The path the test requests: the key's, with each parameter's sample value.
fn sample_uri(key: &RouteKey, params: &[Param]) -> String {
    if key.segments.is_empty() {
        return "/".to_owned();
    }
    let mut samples = params.iter();
    key.segments
        .iter()
        .map(|segment| match segment {
            Segment::Static(text) => format!("/{text}"),
            Segment::Param { .. } => format!("/{}", samples.next().map_or("", |param| param.sample.as_str())),
        })
        .collect()
}

/// The JSON the test expects back, as a `json!` expression.
fn expected_answer(key: &RouteKey, params: &[Param], public: bool) -> String {
    let mut fields = Vec::new();
    if !params.is_empty() {
        let path: Vec<String> = params
            .iter()
            .map(|param| format!("\"{}\": \"{}\"", param.name, param.sample))
            .collect();
        fields.push(format!("\"path\": {{ {} }}", path.join(", ")));
    }
    if !public {
        fields.push(format!("\"caller\": \"{TEST_USER}\""));
    }
    if key.method.has_body() {
        fields.push(format!("\"body\": {{ \"name\": \"{SAMPLE_NAME}\" }}"));
    }
    if fields.is_empty() {
        fields.push(format!("\"route\": \"{key}\""));
    }
    format!("json!({{ {} }})", fields.join(", "))
}

/// The source of the consumer of `event_type`, named `name`.
pub(super) fn consumer(event_type: &str, name: &str) -> String {
    let payload = names::pascal(name);
    format!(
        "//! `{event_type}`: log each event.\n\n\
         use route_framework::prelude::*;\n\n\
         /// The payload of a `{event_type}` event: the message's JSON body.\n\
         #[derive(Debug, Deserialize, Validate)]\n\
         #[serde(rename_all = \"camelCase\")]\n\
         struct {payload} {{\n    \
             /// The id of what the event is about: 1 to 200 characters.\n    \
             #[garde(length(chars, min = 1, max = 200))]\n    \
             id: String,\n\
         }}\n\n\
         /// Log a `{event_type}` event. A payload that does not fit fails the\n\
         /// message, which is delivered again.\n\
         #[on_event(\"{event_type}\")]\n\
         async fn {name}(EventId(event_id): EventId, Payload(event): Payload<{payload}>) {{\n    \
             tracing::info!(event_id = %event_id, id = %event.id, \"{event_type} consumed\");\n\
         }}\n"
    )
}

/// The test of the consumer of `event_type`: through an event dispatcher
/// over it alone.
pub(super) fn consumer_test(event_type: &str, library: &str) -> String {
    format!(
        "//! The `{event_type}` consumer through the real event dispatcher, in process: a\n\
         //! valid event consumed, the ones that do not fit its payload failed.\n\
         #![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]\n\n\
         use route_framework::event::{{EventDispatcher, Message}};\n\
         use serde_json::{{Value, json}};\n\n\
         // Links the app: its consumers are in the registry once it is linked.\n\
         use {library} as _;\n\n\
         /// The event type under test.\n\
         const EVENT_TYPE: &str = \"{event_type}\";\n\n\
         /// A dispatcher over the consumer of [`EVENT_TYPE`] alone.\n\
         fn events() -> EventDispatcher {{\n    \
             let consumers: Vec<_> = route_framework::consumers()\n        \
                 .into_iter()\n        \
                 .filter(|consumer| consumer.event_type == EVENT_TYPE)\n        \
                 .collect();\n    \
             assert_eq!(consumers.len(), 1, \"no consumer of {{EVENT_TYPE}} in the registry\");\n    \
             EventDispatcher::new(consumers, Vec::new(), ()).unwrap()\n\
         }}\n\n\
         /// A message of [`EVENT_TYPE`] with `body`.\n\
         fn message(id: &str, body: &Value) -> Message {{\n    \
             Message {{\n        \
                 id: id.to_owned(),\n        \
                 event_type: Some(EVENT_TYPE.to_owned()),\n        \
                 event_id: Some(format!(\"event-{{id}}\")),\n        \
                 group: None,\n        \
                 sent_at: None,\n        \
                 body: body.to_string(),\n    \
             }}\n\
         }}\n\n\
         #[tokio::test]\n\
         async fn consumes_a_valid_event() {{\n    \
             let failed = events().deliver(vec![message(\"m-1\", &json!({{ \"id\": \"thing-1\" }}))], \"test\").await;\n    \
             assert_eq!(failed, Vec::<String>::new());\n\
         }}\n\n\
         #[tokio::test]\n\
         async fn fails_the_events_that_do_not_fit_its_payload() {{\n    \
             let batch = vec![\n        \
                 message(\"m-1\", &json!({{ \"id\": \"\" }})),\n        \
                 message(\"m-2\", &json!({{}})),\n        \
                 message(\"m-3\", &json!({{ \"id\": \"thing-3\" }})),\n    \
             ];\n    \
             assert_eq!(events().deliver(batch, \"test\").await, [\"m-1\", \"m-2\"]);\n\
         }}\n"
    )
}

/// The source of the job `name`, on `schedule`.
pub(super) fn job(schedule: &str, name: &str) -> String {
    format!(
        "//! `{name}`: runs on `{schedule}`.\n\n\
         use route_framework::prelude::*;\n\n\
         /// {}\n\
         #[schedule(\"{schedule}\")]\n\
         async fn {name}(EventTime(time): EventTime) {{\n    \
             tracing::info!(scheduled_for = %time, \"{name} ran\");\n\
         }}\n",
        names::sentence(name)
    )
}

/// The test of the job `name`: run once through an event dispatcher over it alone.
pub(super) fn job_test(schedule: &str, name: &str, library: &str) -> String {
    format!(
        "//! The `{name}` job through the real event dispatcher, in process: run once.\n\
         #![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]\n\n\
         use route_framework::event::{{EventDispatcher, JobRun}};\n\n\
         // Links the app: its jobs are in the registry once it is linked.\n\
         use {library} as _;\n\n\
         /// The job under test.\n\
         const JOB: &str = \"{name}\";\n\n\
         #[tokio::test]\n\
         async fn runs() {{\n    \
             let jobs: Vec<_> = route_framework::jobs().into_iter().filter(|job| job.name == JOB).collect();\n    \
             assert_eq!(jobs.len(), 1, \"no job {{JOB}} in the registry\");\n    \
             let events = EventDispatcher::new(Vec::new(), jobs, ()).unwrap();\n    \
             let job = events.job(JOB).unwrap();\n    \
             assert_eq!(job.schedule, \"{schedule}\");\n    \
             let run = JobRun {{\n        \
                 job,\n        \
                 time: std::time::SystemTime::now().into(),\n        \
                 event_id: \"run-1\".to_owned(),\n        \
                 request_id: \"run-1\".to_owned(),\n    \
             }};\n    \
             events.run_job(run).await.unwrap();\n\
         }}\n"
    )
}

/// `text` with its first letter in lower case.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> RouteKey {
        RouteKey::parse(text).unwrap()
    }

    /// Every line a file opens with `//!`, every item has a `///` line
    /// above it (or above its attributes), and nothing is left to do.
    fn assert_documented(text: &str) {
        assert!(text.starts_with("//! "), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            let item = ["struct ", "async fn ", "fn ", "const ", "impl "]
                .iter()
                .any(|start| line.trim_start().starts_with(start));
            let test = index > 0 && lines[index - 1] == "#[tokio::test]";
            let nested = line.starts_with(' ');
            if item && !test && !nested && !line.starts_with("impl ") {
                let above = lines[..index]
                    .iter()
                    .rev()
                    .find(|line| !line.trim_start().starts_with("#["))
                    .unwrap();
                assert!(
                    above.trim_start().starts_with("///"),
                    "no doc line above `{line}`:\n{text}"
                );
            }
        }
        for stub in ["todo!", "unimplemented!", "501", "TODO"] {
            assert!(!text.contains(stub), "`{stub}` in:\n{text}");
        }
    }

    #[test]
    fn a_post_with_a_parameter_takes_a_body_with_rules_and_answers_201() {
        let text = route(&key("POST /things/{thingId}"), "create_thing", false);
        assert_documented(&text);
        for expected in [
            "//! `POST /things/{thingId}`: create thing.\n",
            "use route_framework::prelude::*;",
            "struct CreateThingPath {\n    /// `{thingId}`.\n    #[serde(rename = \"thingId\")]\n    thing_id: String,\n}",
            "#[serde(rename_all = \"camelCase\", deny_unknown_fields)]\nstruct CreateThingRequest {",
            "#[garde(length(chars, min = 1, max = 200))]",
            "/// Create thing.\n#[route(\"POST /things/{thingId}\")]\n",
            "async fn create_thing(user: User, Path(path): Path<CreateThingPath>, Json(body): Json<CreateThingRequest>) -> Created<CreateThingResponse> {",
            "let location = format!(\"/things/{}\", path.thing_id);",
            "Created::new(location, CreateThingResponse { path, caller: user.id, body })",
        ] {
            assert!(text.contains(expected), "no `{expected}` in:\n{text}");
        }
    }

    #[test]
    fn a_public_get_without_parameters_answers_its_route() {
        let text = route(&key("GET /things"), "list_things", true);
        assert_documented(&text);
        assert!(
            text.contains("#[route(\"GET /things\", public)]\nasync fn list_things() -> Json<ListThingsResponse> {")
        );
        assert!(text.contains("Json(ListThingsResponse { route: \"GET /things\".to_owned() })"));
        assert!(!text.contains("User") && !text.contains("Path<") && !text.contains("Validate"));
        let test = route_test(&key("GET /things"), true, "my_app");
        assert_documented(&test);
        assert!(test.contains("Dispatcher::new(routes, NoAuthenticator, ())"));
        assert!(test.contains("assert_eq!(response.json(), json!({ \"route\": \"GET /things\" }));"));
        assert!(!test.contains("401") && !test.contains("422") && !test.contains("OneToken"));
    }

    #[test]
    fn a_delete_answers_204_and_patch_and_put_answer_200() {
        let text = route(&key("DELETE /things/{thingId}"), "delete_thing", false);
        assert_documented(&text);
        assert!(
            text.contains("async fn delete_thing(Path(_path): Path<DeleteThingPath>) -> NoContent {\n    NoContent\n}")
        );
        assert!(!text.contains("Response") && !text.contains("Request"));
        let test = route_test(&key("DELETE /things/{thingId}"), false, "my_app");
        assert!(test.contains("async fn answers_no_content()"));
        assert!(!test.contains("use serde_json"), "nothing to compare as JSON:\n{test}");
        assert!(test.contains("assert_eq!(response.status, 204,"));
        assert!(test.contains("assert_eq!(response.status, 401,"));
        for method in ["PUT", "PATCH"] {
            let route_key = key(&format!("{method} /things/{{thingId}}"));
            let text = route(&route_key, "change_thing", true);
            assert!(text.contains("-> Json<ChangeThingResponse> {\n    Json(ChangeThingResponse { path, body })\n}"));
            let test = route_test(&route_key, true, "my_app");
            assert!(test.contains(&format!("client().{}(URI).json(", method.to_ascii_lowercase())));
            assert!(test.contains("assert_eq!(response.status, 200,"));
            assert!(test.contains("assert_eq!(response.status, 422,"));
        }
    }

    #[test]
    fn the_route_test_authenticates_one_token_and_checks_every_answer() {
        let test = route_test(&key("POST /things/{thingId}"), false, "my_app");
        assert_documented(&test);
        for expected in [
            "use my_app as _;",
            "const ROUTE: &str = \"POST /things/{thingId}\";",
            "const URI: &str = \"/things/thing-id-1\";",
            "impl Authenticator for OneToken {",
            "Dispatcher::new(routes, OneToken, ())",
            "client().post(URI).bearer(TOKEN).json(&json!({ \"name\": \"A name\" })).send().await;",
            "assert_eq!(response.status, 201,",
            "assert_eq!(response.header(\"location\"), Some(URI));",
            "json!({ \"path\": { \"thingId\": \"thing-id-1\" }, \"caller\": \"test-user\", \"body\": { \"name\": \"A name\" } })",
            "async fn refuses_a_caller_without_a_valid_token()",
            "client.post(URI).bearer(\"forged\")",
            "async fn refuses_a_body_breaking_its_rules()",
            "[\"details\"][0][\"field\"], \"/name\"",
        ] {
            assert!(test.contains(expected), "no `{expected}` in:\n{test}");
        }
    }

    #[test]
    fn a_greedy_parameter_and_several_parameters_fill_the_location() {
        let route_key = key("POST /files/{bucket}/{path+}");
        assert_eq!(
            location(&route_key, &route_key.params()),
            "format!(\"/files/{}/{}\", path.bucket, path.path)"
        );
        assert_eq!(
            sample_uri(&route_key, &route_key.params()),
            "/files/bucket-1/path-1/more"
        );
        assert_eq!(location(&key("POST /"), &[]), "\"/\"");
        assert_eq!(sample_uri(&key("GET /"), &[]), "/");
        let text = route(&route_key, "create_file", true);
        assert!(text.contains("/// `{path+}`: the rest of the path.\n    path: String,"));
    }

    #[test]
    fn consumers_and_jobs_log_and_are_tested_through_the_event_dispatcher() {
        let text = consumer("thing.created", "thing_created");
        assert_documented(&text);
        assert!(text.contains("#[on_event(\"thing.created\")]\nasync fn thing_created(EventId(event_id): EventId, Payload(event): Payload<ThingCreated>) {"));
        assert!(!text.contains("deny_unknown_fields"), "a producer may add fields");
        let test = consumer_test("thing.created", "my_app");
        assert_documented(&test);
        assert!(test.contains("const EVENT_TYPE: &str = \"thing.created\";"));
        assert!(test.contains("EventDispatcher::new(consumers, Vec::new(), ())"));
        assert!(test.contains("[\"m-1\", \"m-2\"]"));

        let text = job("rate(1 hour)", "tidy_things");
        assert_documented(&text);
        assert!(text.contains(
            "/// Tidy things.\n#[schedule(\"rate(1 hour)\")]\nasync fn tidy_things(EventTime(time): EventTime) {"
        ));
        let test = job_test("rate(1 hour)", "tidy_things", "my_app");
        assert_documented(&test);
        assert!(test.contains("assert_eq!(job.schedule, \"rate(1 hour)\");"));
        assert!(test.contains("events.run_job(run).await.unwrap();"));
    }
}
