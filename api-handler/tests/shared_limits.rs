//! The credential routes' limits hold across instances: two apps on one
//! set of AWS resources (moto) share one budget, and a failing DynamoDB
//! leaves each instance its own limits rather than refusing everyone.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, Ipv4Addr};

use api_handler::app::App;
use api_handler::throttle::{ATTEMPTS_PER_ADDRESS_PER_MINUTE, FREE_FAILURES};
use api_handler::use_cases::accounts;
use common::backends::{Kind, Store, account};
use common::faults::{BROKEN, FaultProxy};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "Passw0rd-1";

/// A client address of the documentation range.
fn client(last: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)))
}

/// Two instances of the app on `store`, with an account for [`EMAIL`].
async fn two_instances(store: &Store) -> [App; 2] {
    let first = store.open("http://127.0.0.1:9").await;
    account(store, &first, EMAIL).await;
    let second = store.open("http://127.0.0.1:9").await;
    [first, second].map(|backend| api_handler::service(backend).unwrap().app)
}

/// The status a login answers (200 for tokens).
async fn login(app: &App, from: Option<IpAddr>, password: &str) -> u16 {
    match accounts::login(app, from, EMAIL, password).await {
        Ok(_) => 200,
        Err(err) => err.status().as_u16(),
    }
}

#[tokio::test]
async fn two_instances_share_one_budget() {
    let store = Store::new(Kind::Aws).await;
    let apps = two_instances(&store).await;

    // Failures on one account, from anywhere, back it off on every instance:
    // each instance alone has seen too few to.
    for attempt in 0..FREE_FAILURES {
        let app = &apps[attempt as usize % 2];
        assert_eq!(login(app, client(1), "wrong-password").await, 401, "attempt {attempt}");
    }
    for app in &apps {
        assert_eq!(
            login(app, client(2), PASSWORD).await,
            429,
            "backed off on every instance"
        );
    }

    // One address's attempts count together: half the budget on each
    // instance, and the next is refused on both.
    for attempt in 0..ATTEMPTS_PER_ADDRESS_PER_MINUTE {
        let app = &apps[attempt as usize % 2];
        let refreshed = accounts::refresh(app, client(3), "not-a-refresh-token").await;
        assert_eq!(
            refreshed.err().map(|err| err.status().as_u16()),
            Some(401),
            "attempt {attempt}"
        );
    }
    for app in &apps {
        let refused = accounts::refresh(app, client(3), "not-a-refresh-token").await;
        assert_eq!(refused.err().map(|err| err.status().as_u16()), Some(429));
    }
    // Another address is not held back.
    let other = accounts::refresh(&apps[0], client(4), "not-a-refresh-token").await;
    assert_eq!(other.err().map(|err| err.status().as_u16()), Some(401));
}

#[tokio::test]
async fn a_failing_dynamodb_leaves_each_instance_its_own_limits() {
    let store = Store::new(Kind::Aws).await;
    let aws = store.aws().unwrap();
    let proxy = FaultProxy::start(&aws.endpoint).await;
    let backend = store.open_at(&proxy.endpoint).await;
    account(&store, &backend, EMAIL).await;
    let app = api_handler::service(backend).unwrap().app;
    // Every count fails (the login's own reads still work).
    proxy.fail("UpdateItem", BROKEN);
    // Neither refused outright (closed) nor unlimited (open): the
    // instance's own limit answers 429 about when its budget is spent (its
    // rate refills a little while the failing counts are retried).
    assert_eq!(login(&app, client(1), PASSWORD).await, 200);
    let mut admitted = 1;
    loop {
        let refreshed = accounts::refresh(&app, client(1), "not-a-refresh-token").await;
        match refreshed.err().map(|err| err.status().as_u16()) {
            Some(401) => admitted += 1,
            Some(429) => break,
            other => panic!("attempt {admitted}: {other:?}"),
        }
        assert!(admitted <= 2 * ATTEMPTS_PER_ADDRESS_PER_MINUTE, "no limit held");
    }
    assert!(
        admitted >= ATTEMPTS_PER_ADDRESS_PER_MINUTE,
        "refused early, after {admitted}"
    );
}
