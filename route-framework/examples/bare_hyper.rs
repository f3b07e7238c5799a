//! The throughput baseline of `cargo xtask bench`: a bare hyper HTTP/1.1
//! server on a multi-threaded Tokio runtime, as the local server runs, that
//! answers every request with the JSON body given as its one argument and
//! nothing else (no routing, no logging, no limits, no request ids).
//!
//! Its answer has the local server's headers all the same: `content-type`
//! and an `x-request-id` of the same length, but fixed. The load generator
//! shares the machine, and one more header to parse costs it about 1% of
//! its throughput: the same answer on the wire keeps the comparison to the
//! servers' own work.
//!
//! It binds 127.0.0.1 on a free port and prints the address as its first
//! line on stdout; it stops when stdin closes.
//!
//! `cargo run --release --example bare_hyper -- '{"status":"ok"}'`

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The local server's request id header.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// A fixed request id, as long as the local server's (ULIDs).
const REQUEST_ID: &str = "01KBAREHYPERFIXEDREQUESTID";

fn main() -> ExitCode {
    let Some(body) = std::env::args().nth(1) else {
        eprintln!("usage: bare_hyper BODY");
        return ExitCode::from(2);
    };
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(serve(Bytes::from(body))));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Answers every connection with `body` until stdin closes.
async fn serve(body: Bytes) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    println!("{}", listener.local_addr()?);
    // Whoever started the server holds its stdin: when that closes, even
    // because the parent died, the server exits.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let body = body.clone();
        let service = hyper::service::service_fn(move |_request| {
            let mut response = http::Response::new(Full::new(body.clone()));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(X_REQUEST_ID, HeaderValue::from_static(REQUEST_ID));
            async move { Ok::<_, Infallible>(response) }
        });
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
