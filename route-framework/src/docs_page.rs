//! The API reference page of a local server: `GET /docs` renders the
//! server's own OpenAPI document, which `GET /openapi.json` answers.
//!
//! The page is [Swagger UI], vendored in the crate (`assets/swagger-ui/`,
//! with its licence) and compiled into the binary: it works offline and
//! loads nothing from a CDN. Swagger UI rather than Redoc because client
//! developers can try a request from the page (Redoc only reads), and its
//! `swagger-ui-dist` bundle reads OpenAPI 3.1. The crates that wrap such
//! viewers (utoipa's) load their script from a CDN or download it at build
//! time, which neither an offline machine nor a reviewer can check.
//!
//! Every answer carries a `Content-Security-Policy` that allows this
//! origin only: scripts, styles, fonts and requests (`connect-src`, so
//! "Try it out" reaches only this server); images from this origin or
//! `data:` URIs, which Swagger UI's stylesheet draws its icons with and
//! which fetch nothing. The page has no inline script.
//!
//! These are [`LocalRoutes`]: the local server answers them itself, so they
//! are never registered routes, never in the OpenAPI document, never
//! deployed behind API Gateway.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use route_framework::auth::NoAuthenticator;
//! use route_framework::dispatch::Dispatcher;
//! use route_framework::docs_page::DocsPage;
//! use route_framework::openapi::{ApiInfo, document};
//! use route_framework::server::{LocalRoutes, Server, shutdown_signal};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let info = ApiInfo { title: "Notes", version: "1.0.0", description: "" };
//! let docs: Arc<dyn LocalRoutes> = Arc::new(DocsPage::new(&document(&route_framework::routes(), info)));
//! let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
//! let server = Server::bind("127.0.0.1:3000".parse()?).await?;
//! server.serve(Arc::new(dispatcher), Some(docs), shutdown_signal()).await;
//! # Ok(())
//! # }
//! ```
//!
//! [Swagger UI]: https://github.com/swagger-api/swagger-ui

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderMap, HeaderValue, Method, Uri};

use crate::error::ApiError;
use crate::response::{IntoResponse, Response};
use crate::server::LocalRoutes;

/// The path of the page.
pub const PAGE_PATH: &str = "/docs";

/// The path of the OpenAPI document the page renders.
pub const DOCUMENT_PATH: &str = "/openapi.json";

/// What every answer allows the page to load: this origin only, and
/// `data:` images (see the module documentation).
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page's own files: the HTML and the script that starts Swagger UI.
const PAGE: &[u8] = include_bytes!("../assets/docs.html");
const START: &[u8] = include_bytes!("../assets/docs.js");

/// The vendored Swagger UI files the page loads, by the name it loads them
/// under (below `/docs/`), with their content type and their file in
/// `assets/swagger-ui/` (listed in its `SHA256SUMS`).
const VENDORED: [(&str, &str, &str, &[u8]); 3] = [
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        "swagger-ui-bundle.js",
        include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        "swagger-ui.css",
        include_bytes!("../assets/swagger-ui/swagger-ui.css"),
    ),
    (
        "favicon.png",
        "image/png",
        "favicon-32x32.png",
        include_bytes!("../assets/swagger-ui/favicon-32x32.png"),
    ),
];

/// `GET /docs`, its assets under `/docs/`, and `GET /openapi.json`.
#[derive(Debug, Clone)]
pub struct DocsPage {
    document: Bytes,
}

impl DocsPage {
    /// The page of `document`, an OpenAPI document such as
    /// [`openapi::document`](crate::openapi::document) builds; it is
    /// serialized once, here.
    pub fn new(document: &serde_json::Value) -> Self {
        DocsPage {
            document: Bytes::from(document.to_string()),
        }
    }

    /// The file at `path`, with its content type, if it is one of the page's.
    fn file(&self, path: &str) -> Option<(&'static str, Bytes)> {
        if path == DOCUMENT_PATH {
            return Some(("application/json", self.document.clone()));
        }
        if path == PAGE_PATH || path == "/docs/" {
            return Some(("text/html; charset=utf-8", Bytes::from_static(PAGE)));
        }
        let name = path.strip_prefix("/docs/")?;
        if name == "docs.js" {
            return Some(("text/javascript; charset=utf-8", Bytes::from_static(START)));
        }
        VENDORED
            .iter()
            .find(|(served_as, ..)| *served_as == name)
            .map(|(_, content_type, _, bytes)| (*content_type, Bytes::from_static(bytes)))
    }
}

#[async_trait::async_trait]
impl LocalRoutes for DocsPage {
    fn handles(&self, path: &str) -> bool {
        path == DOCUMENT_PATH || path == PAGE_PATH || path.starts_with("/docs/")
    }

    fn body_limit(&self, _path: &str) -> usize {
        // Only GET and HEAD are answered: a body is never read.
        0
    }

    async fn serve(&self, method: &Method, uri: &Uri, _headers: &HeaderMap, _body: Bytes) -> Response {
        let response = match (method, self.file(uri.path())) {
            (&Method::GET | &Method::HEAD, Some((content_type, bytes))) => {
                Response::bytes(HeaderValue::from_static(content_type), bytes)
                    // Rebuilt with the binary: a reload shows the running server's.
                    .with_header(CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            }
            (&Method::GET | &Method::HEAD, None) => {
                ApiError::not_found(format!("no such file of the docs page: {}", uri.path())).into_response()
            }
            _ => ApiError::method_not_allowed(HeaderValue::from_static("GET, HEAD")).into_response(),
        };
        response
            .with_header(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
            )
            .with_header(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))
            .with_header(REFERRER_POLICY, HeaderValue::from_static("no-referrer"))
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    /// `assets/swagger-ui/SHA256SUMS`: `HASH  FILE` lines.
    const SUMS: &str = include_str!("../assets/swagger-ui/SHA256SUMS");

    fn hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn the_vendored_files_are_the_ones_their_checksums_name() {
        for (_, _, file, bytes) in VENDORED {
            let recorded = SUMS
                .lines()
                .find_map(|line| line.split_once("  ").filter(|(_, name)| *name == file))
                .map(|(hash, _)| hash);
            assert_eq!(recorded, Some(hex(bytes).as_str()), "assets/swagger-ui/{file}");
        }
    }

    #[test]
    fn the_licence_ships_beside_the_files() {
        for file in ["LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"] {
            assert!(SUMS.lines().any(|line| line.ends_with(&format!("  {file}"))), "{file}");
        }
        let licence = include_str!("../assets/swagger-ui/LICENSE");
        assert!(licence.contains("Apache License"), "Swagger UI is Apache-2.0");
        let recorded = SUMS
            .lines()
            .find_map(|line| line.strip_suffix("  LICENSE"))
            .unwrap_or_default();
        assert_eq!(recorded, hex(licence.as_bytes()));
    }
}
