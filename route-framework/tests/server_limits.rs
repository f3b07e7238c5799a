//! The local server's limits, through a real TCP server: slow or silent
//! clients are disconnected, slow bodies get a 408, connections are capped.
//! Limits are short here (a fraction of a second); every wait is bounded.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use route_framework::prelude::*;
use route_framework::server::{Limits, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A handler that takes a moment: its client can leave while it runs.
#[route("GET /t/slow", public)]
async fn slow() -> NoContent {
    tokio::time::sleep(Duration::from_millis(300)).await;
    NoContent
}

const LIMITS: Limits = Limits {
    header_read_timeout: Duration::from_millis(300),
    body_read_timeout: Duration::from_millis(300),
    max_connections: 4,
};

/// Longest any test waits for the server to act.
const PATIENCE: Duration = Duration::from_secs(5);

async fn start() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    start_with(LIMITS).await
}

async fn start_with(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server = Server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
        .with_limits(limits);
    let addr = server.local_addr().unwrap();
    let dispatcher = Arc::clone(&common::client().dispatcher);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(dispatcher, None, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// Reads until the server closes the connection; returns what it sent, or
/// `None` if it kept the connection open for [`PATIENCE`].
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    closed.ok().map(|()| String::from_utf8_lossy(&seen).into_owned())
}

/// A connection to `addr` that has sent `request`.
async fn sent(addr: SocketAddr, request: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    stream
}

async fn health(addr: SocketAddr) -> String {
    let mut stream = sent(addr, b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await;
    read_until_closed(&mut stream).await.unwrap_or_default()
}

#[tokio::test]
async fn trickled_headers_and_silent_clients_are_disconnected() {
    let (addr, _stop) = start().await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n").await.unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(
        read_until_closed(&mut slow).await.is_some(),
        "half-sent headers are cut off"
    );
    assert!(
        read_until_closed(&mut silent).await.is_some(),
        "a silent client is cut off"
    );
    assert!(health(addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (addr, _stop) = start().await;
    let mut stream = sent(addr, b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n").await;
    let answered = read_until_closed(&mut stream).await.expect("closed after idling");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

#[tokio::test]
async fn a_client_that_shuts_its_side_after_sending_still_gets_its_answer() {
    let (addr, _stop) = start().await;
    let mut stream = sent(addr, b"GET /t/slow HTTP/1.1\r\nHost: t\r\n\r\n").await;
    // Its end of stream arrives while the handler runs.
    stream.shutdown().await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("answered, then closed");
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer:?}");
}

#[tokio::test]
async fn a_slow_body_gets_a_408_in_the_error_contract() {
    let (addr, _stop) = start().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(answer.contains("\"requestId\""), "{answer}");
}

#[tokio::test]
async fn at_the_cap_a_silent_connection_makes_room_for_a_real_request() {
    // Timeouts far beyond the test's patience: any closing seen here is an eviction.
    let (addr, _stop) = start_with(Limits {
        header_read_timeout: Duration::from_secs(60),
        ..LIMITS
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..LIMITS.max_connections {
        silent.push(TcpStream::connect(addr).await.unwrap());
        // Accepted in order, so the first is the longest idle.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        health(addr).await.starts_with("HTTP/1.1 200"),
        "a real request is served"
    );
    assert_eq!(
        read_until_closed(&mut silent[0]).await.as_deref(),
        Some(""),
        "the oldest silent one went"
    );
    let mut probe = [0u8; 1];
    let still_open = tokio::time::timeout(Duration::from_millis(200), silent[1].read(&mut probe)).await;
    assert!(still_open.is_err(), "the others stay");
}

#[tokio::test]
async fn when_every_connection_is_busy_a_new_one_is_refused() {
    // Bodies wait long enough for the server to have started serving all four.
    let (addr, _stop) = start_with(Limits {
        body_read_timeout: Duration::from_secs(2),
        ..LIMITS
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..LIMITS.max_connections {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{")
            .await
            .unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut extra = TcpStream::connect(addr).await.unwrap();
    assert_eq!(
        read_until_closed(&mut extra).await.as_deref(),
        Some(""),
        "closed without an answer"
    );
    // The slow bodies time out (408), and the server answers again.
    for stream in &mut slow {
        assert!(
            read_until_closed(stream)
                .await
                .is_some_and(|answer| answer.starts_with("HTTP/1.1 408"))
        );
    }
    assert!(health(addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn an_oversized_target_or_head_is_answered_in_the_error_contract() {
    use route_framework::server::{MAX_HEADER_BYTES, MAX_URI_BYTES};
    let (addr, _stop) = start().await;
    let long_path = format!("/health?{}", "a".repeat(MAX_URI_BYTES));
    let long_header = format!("x-filler: {}\r\n", "b".repeat(MAX_HEADER_BYTES));
    for (request, status, code) in [
        (
            format!("GET {long_path} HTTP/1.1\r\nHost: t\r\n\r\n"),
            "414",
            "uri_too_long",
        ),
        (
            format!("GET /health HTTP/1.1\r\nHost: t\r\n{long_header}\r\n"),
            "431",
            "headers_too_large",
        ),
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = read_until_closed(&mut stream).await.expect("answered");
        assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{answer}");
        assert!(answer.contains(&format!("\"code\":\"{code}\"")), "{answer}");
        assert!(answer.contains("\"requestId\""), "{answer}");
    }
}

#[tokio::test]
async fn on_shutdown_requests_in_flight_are_answered_and_idle_connections_closed() {
    // Timeouts beyond the test's patience: any closing seen here is the shutdown's.
    let server = Server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
        .with_limits(Limits {
            header_read_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(60),
            ..LIMITS
        });
    let addr = server.local_addr().unwrap();
    let dispatcher = Arc::clone(&common::client().dispatcher);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(dispatcher, None, async {
        let _ = stopped.await;
    }));

    // A keep-alive connection, idle after its first answer.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 1024];
    let read = tokio::time::timeout(PATIENCE, idle.read(&mut first))
        .await
        .unwrap()
        .unwrap();
    assert!(first[..read].starts_with(b"HTTP/1.1 200"));
    // A request whose body is still on its way.
    let mut in_flight = TcpStream::connect(addr).await.unwrap();
    in_flight
        .write_all(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    assert_eq!(
        read_until_closed(&mut idle).await.as_deref(),
        Some(""),
        "the idle connection is closed"
    );
    assert!(!serving.is_finished(), "a request is still in flight");
    in_flight.write_all(b"}").await.unwrap();
    let answer = read_until_closed(&mut in_flight).await.expect("answered, then closed");
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    tokio::time::timeout(PATIENCE, serving)
        .await
        .expect("serving ends once every connection has closed")
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "no longer accepting");
}
