//! A real local server (hyper on 127.0.0.1) on one of the contract suite's
//! backends, with a recording notifications publisher, and a minimal
//! HTTP/1.1 client for it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use api_handler::app::App;
use api_handler::domain::events::DomainEvent;
use api_handler::notifications::RecordingPublisher;
use route_framework::event::{EventDispatcher, JobRun, Message};
use route_framework::server::Server;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use super::backends::{Kind, Store};
use super::faults::FaultProxy;

/// A running server; [`Live::stop`] shuts it down and hands back its storage.
pub(crate) struct Live {
    pub(crate) addr: SocketAddr,
    app: App,
    consumers: EventDispatcher,
    publisher: RecordingPublisher,
    store: Option<Store>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A response.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The `field`s of an error-contract body's details, sorted.
    pub(crate) fn fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.json()["error"]["details"]
            .as_array()
            .map(|details| {
                details
                    .iter()
                    .filter_map(|d| d["field"].as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        fields.sort();
        fields
    }

    /// The error code of an error-contract body.
    pub(crate) fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Live {
    /// Starts a server on a free port over `store`.
    pub(crate) async fn start(store: Store) -> Live {
        Live::start_via(store, None).await
    }

    /// Starts a server over `store`, its AWS clients talking to `endpoint`
    /// (a fault proxy) instead of the emulator, if given.
    pub(crate) async fn start_via(store: Store, endpoint: Option<&str>) -> Live {
        let server = Server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = server.local_addr().unwrap();
        let mut backend = match endpoint {
            Some(endpoint) => store.open_at(endpoint).await,
            None => store.open(&format!("http://{addr}")).await,
        };
        let local = backend.local_routes.clone();
        let publisher = RecordingPublisher::default();
        // The aws backend publishes to its queue, which `events` reads.
        if store.aws().is_none() {
            backend.publisher = Arc::new(publisher.clone());
        }
        let api_handler::Service {
            dispatcher,
            events: consumers,
            app,
        } = api_handler::service(backend).unwrap();
        let (sender, receiver) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(Arc::new(dispatcher), local, async {
                    let _ = receiver.await;
                })
                .await;
        });
        Live {
            addr,
            app,
            consumers,
            publisher,
            store: Some(store),
            shutdown: Some(sender),
            task: Some(task),
        }
    }

    /// A server on fresh storage of `kind`; on aws, talking to moto through
    /// a fault proxy (which also plays Cognito's `RevokeToken`).
    pub(crate) async fn behind_a_proxy(kind: Kind) -> (Option<FaultProxy>, Live) {
        let proxy = match kind {
            Kind::Aws => Some(FaultProxy::start(&super::backends::moto_endpoint()).await),
            Kind::Embedded => None,
        };
        let store = Store::new(kind).await;
        let live = Live::start_via(store, proxy.as_ref().map(|proxy| proxy.endpoint.as_str())).await;
        (proxy, live)
    }

    /// A server on fresh storage of `kind`.
    pub(crate) async fn fresh(kind: Kind) -> Live {
        Live::start(Store::new(kind).await).await
    }

    /// The app the server runs.
    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    /// The storage the server runs on.
    pub(crate) fn store(&self) -> &Store {
        self.store.as_ref().unwrap()
    }

    /// Every event delivered so far: relays the outbox, then reads what the
    /// publisher received.
    pub(crate) async fn events(&self) -> Vec<DomainEvent> {
        self.app.relay().run_once().await.unwrap();
        match self.store().aws() {
            Some(aws) => aws.queued_events().await,
            None => self.publisher.events(),
        }
    }

    /// Hands every event delivered so far to the consumers, as the queue's
    /// event source would (again for those handed before: consumers are
    /// idempotent); returns the ids of the messages that failed.
    pub(crate) async fn consume(&self) -> Vec<String> {
        let messages = self
            .events()
            .await
            .into_iter()
            .map(|event| Message {
                id: event.event_id.clone(),
                event_type: Some(event.kind.as_str().to_owned()),
                event_id: Some(event.event_id.clone()),
                group: Some(event.user_id.clone()),
                sent_at: Some(event.occurred_at),
                body: serde_json::to_string(&event).unwrap(),
            })
            .collect();
        self.consumers.deliver(messages, "test").await
    }

    /// Runs the job `name` as its schedule would for `time`.
    pub(crate) async fn run_job(&self, name: &str, time: chrono::DateTime<chrono::Utc>) {
        let job = self.consumers.job(name).unwrap();
        let run = JobRun {
            job,
            time,
            event_id: format!("test-{name}"),
            request_id: "test".to_owned(),
        };
        self.consumers.run_job(run).await.unwrap();
    }

    /// How many delivered events have the wire type `kind` (such as `goal.created`).
    pub(crate) async fn count_events(&self, kind: &str) -> usize {
        self.events()
            .await
            .iter()
            .filter(|event| event.kind.as_str() == kind)
            .count()
    }

    /// Stops the server gracefully and returns its storage.
    pub(crate) async fn stop(mut self) -> Store {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .unwrap()
                .unwrap();
        }
        self.store.take().unwrap()
    }

    /// Sends one request; `target` is a path on this server or an absolute
    /// `http://` URL (this server's, or the emulator's presigned ones).
    pub(crate) async fn request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let (host, path) = match target.strip_prefix("http://") {
            Some(rest) => {
                let split = rest.find('/').unwrap_or(rest.len());
                (
                    rest[..split].to_owned(),
                    if split == rest.len() { "/" } else { &rest[split..] },
                )
            }
            None => (self.addr.to_string(), target),
        };
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(host.as_str()).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            raw
        };
        let raw = tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .expect("the server answered within 30 s");
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let text = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = text.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Resp {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    /// A JSON request with an optional bearer token.
    pub(crate) async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.request(method, path, &headers, &bytes).await
    }

    /// `POST /auth/login` with `email` and `password`.
    pub(crate) async fn login(&self, email: &str, password: &str) -> Resp {
        let credentials = json!({ "email": email, "password": password });
        self.call("POST", "/auth/login", None, Some(&credentials)).await
    }

    /// `POST /auth/refresh` with `refresh_token` (a login body's `refreshToken`).
    pub(crate) async fn refresh(&self, refresh_token: &Value) -> Resp {
        let body = json!({ "refreshToken": refresh_token });
        self.call("POST", "/auth/refresh", None, Some(&body)).await
    }

    /// Registers `email` and logs in; returns (user id, login response body).
    pub(crate) async fn sign_up(&self, email: &str) -> (String, Value) {
        let registered = self
            .call(
                "POST",
                "/auth/register",
                None,
                Some(&json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", String::from_utf8_lossy(&registered.body));
        if registered.json()["confirmed"] == false {
            self.store().confirm(email).await;
        }
        let login = self.login(email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", String::from_utf8_lossy(&login.body));
        (registered.json()["userId"].as_str().unwrap().to_owned(), login.json())
    }

    /// Registers and logs in; returns (user id, access token).
    pub(crate) async fn user(&self, email: &str) -> (String, String) {
        let (id, tokens) = self.sign_up(email).await;
        (id, tokens["accessToken"].as_str().unwrap().to_owned())
    }

    /// Creates a goal; returns its body.
    pub(crate) async fn goal(&self, token: &str, title: &str, period: &str, target: f64) -> Value {
        let body = json!({ "title": title, "category": "fitness", "target": { "value": target, "unit": "km" }, "period": period });
        let created = self.call("POST", "/goals", Some(token), Some(&body)).await;
        assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
        created.json()
    }
}

/// A password that satisfies the policy.
pub(crate) const PASSWORD: &str = "Correct-Horse-9";
