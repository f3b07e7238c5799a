//! The docs page through a real TCP server, beside another set of local
//! routes: the page, every file it loads and the document, each with the
//! same-origin `Content-Security-Policy`; other methods refused; each set
//! of local routes keeps its own body limit; everything else still reaches
//! the dispatcher. (A real browser loads it in `cargo xtask docs-page`.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use route_framework::docs_page::{CONTENT_SECURITY_POLICY_VALUE, DocsPage};
use route_framework::openapi::{ApiInfo, document};
use route_framework::response::Response;
use route_framework::server::{LocalRoutes, Server};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Local routes of another kind: `PUT /files/…` takes up to 10 bytes.
struct Files;

#[async_trait::async_trait]
impl LocalRoutes for Files {
    fn handles(&self, path: &str) -> bool {
        path.starts_with("/files/")
    }

    fn body_limit(&self, _path: &str) -> usize {
        10
    }

    async fn serve(&self, _method: &Method, _uri: &Uri, _headers: &HeaderMap, body: Bytes) -> Response {
        Response::bytes(HeaderValue::from_static("text/plain"), body)
    }
}

fn the_document() -> Value {
    let info = ApiInfo {
        title: "Docs page test",
        version: "1.0.0",
        description: "",
    };
    document(&route_framework::routes(), info)
}

async fn start() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server = Server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.local_addr().unwrap();
    let dispatcher = Arc::clone(&common::client().dispatcher);
    let local: Vec<Arc<dyn LocalRoutes>> = vec![Arc::new(Files), Arc::new(DocsPage::new(&the_document()))];
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(dispatcher, Some(Arc::new(local)), async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// One request with `Connection: close`: the status, the head's lines and the body.
async fn send(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers within 10 s")
        .unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn csp_line() -> String {
    format!("content-security-policy: {CONTENT_SECURITY_POLICY_VALUE}").to_ascii_lowercase()
}

#[tokio::test]
async fn the_page_and_every_file_it_loads_come_from_this_origin() {
    let (addr, _stop) = start().await;
    let (status, head, body) = send(addr, "GET", "/docs", b"").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(head.contains(&csp_line()), "{head}");
    let page = String::from_utf8(body).unwrap();

    // No inline script: every <script> names its file.
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"").count(),
        "{page}"
    );
    let files: Vec<&str> = page.split(['"']).filter(|part| part.starts_with("/docs/")).collect();
    assert_eq!(files.len(), 4, "the icon, the stylesheet and two scripts: {files:?}");
    for file in files {
        let (status, head, body) = send(addr, "GET", file, b"").await;
        assert_eq!(status, 200, "{file}");
        assert!(head.contains(&csp_line()), "{file}: {head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{file}: {head}");
        assert!(!body.is_empty(), "{file}");
    }

    let (status, head, body) = send(addr, "GET", "/openapi.json", b"").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), the_document());
}

#[tokio::test]
async fn only_get_and_head_are_answered() {
    let (addr, _stop) = start().await;
    let (status, head, _) = send(addr, "POST", "/docs", b"").await;
    assert_eq!(status, 405);
    assert!(head.contains("allow: get, head"), "{head}");
    let (status, head, body) = send(addr, "HEAD", "/openapi.json", b"").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(body.is_empty());
    let (status, _, body) = send(addr, "GET", "/docs/other.js", b"").await;
    assert_eq!(status, 404);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found");
}

#[tokio::test]
async fn each_set_of_local_routes_keeps_its_body_limit_and_the_rest_reaches_the_dispatcher() {
    let (addr, _stop) = start().await;
    let (status, _, body) = send(addr, "PUT", "/files/a", b"ten bytes!").await;
    assert_eq!((status, body.as_slice()), (200, b"ten bytes!".as_slice()));
    let (status, _, _) = send(addr, "PUT", "/files/a", b"eleven bytes").await;
    assert_eq!(status, 413);
    let (status, _, _) = send(addr, "POST", "/docs", b"a body").await;
    assert_eq!(status, 413, "the page reads no body");
    let (status, _, body) = send(addr, "GET", "/health", b"").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["status"], "ok");
}
