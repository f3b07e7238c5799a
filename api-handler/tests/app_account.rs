//! The account lifecycle over a real local server, on every backend:
//! deletion and its purge, password reset and change, sign-out.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::backends::{Kind, contract_tests, sdk_at};
use common::faults::BROKEN;
use common::live::{Live, PASSWORD, Resp};
use route_framework::registry::Auth;
use serde_json::{Value, json};

contract_tests!(
    a_deleted_account_is_refused_everywhere_and_purged_from_every_store,
    a_purge_cut_short_finishes_on_redelivery_and_purging_twice_is_a_no_op,
    a_forgotten_password_is_reset_with_the_mailed_code,
    signing_out_revokes_one_session_or_all_of_them,
    changing_the_password_checks_the_current_one_and_signs_out_everywhere,
);

/// A new password that satisfies the policy.
const NEW_PASSWORD: &str = "Battery-Staple-7";

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap().to_owned()
}

/// Tokens are dated to the second: a revocation refuses those issued before
/// its second, so a test waits for the next one before revoking.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1_100)).await;
}

/// A user with 3 goals, 50 progress entries (some with an idempotency key),
/// 2 uploaded attachments and a notification or more. Returns (user id,
/// login body, ids by path parameter name).
async fn busy_user(live: &Live, email: &str) -> (String, Value, Vec<(&'static str, String)>) {
    let (user_id, login) = live.sign_up(email).await;
    let token = text(&login, "accessToken");
    let mut goals = Vec::new();
    for (title, period) in [("Run", "daily"), ("Read", "weekly"), ("Swim", "once")] {
        goals.push(text(&live.goal(&token, title, period, 1.0).await, "goalId"));
    }
    for entry in 0..50 {
        let path = format!("/goals/{}/progress", goals[entry % 3]);
        let key = format!("key-{entry}");
        let mut headers = vec![("Content-Type", "application/json")];
        let auth = format!("Bearer {token}");
        headers.push(("Authorization", auth.as_str()));
        if entry % 5 == 0 {
            headers.push(("Idempotency-Key", key.as_str()));
        }
        let recorded = live.request("POST", &path, &headers, br#"{"value": 1}"#).await;
        assert_eq!(recorded.status, 201, "{}", String::from_utf8_lossy(&recorded.body));
    }
    let mut attachment = String::new();
    for name in ["a.txt", "b.txt"] {
        let ticket = live
            .call(
                "POST",
                &format!("/goals/{}/attachments", goals[0]),
                Some(&token),
                Some(&json!({ "fileName": name, "contentType": "text/plain", "size": 5 })),
            )
            .await;
        assert_eq!(ticket.status, 201, "{}", String::from_utf8_lossy(&ticket.body));
        let ticket = ticket.json();
        let uploaded = live
            .request(
                "PUT",
                ticket["uploadUrl"].as_str().unwrap(),
                &[("Content-Type", "text/plain")],
                b"hello",
            )
            .await;
        assert_eq!(uploaded.status, 200);
        attachment = text(&ticket, "attachmentId");
    }
    // Targets were reached: their consumers notify the user.
    assert_eq!(live.consume().await, Vec::<String>::new());
    let inbox = live.call("GET", "/notifications", Some(&token), None).await.json();
    let notifications = inbox["items"].as_array().unwrap();
    assert!(!notifications.is_empty(), "{inbox}");
    let ids = vec![
        ("userId", user_id.clone()),
        ("goalId", goals[0].clone()),
        ("attachmentId", attachment),
        ("notificationId", text(&notifications[0], "notificationId")),
    ];
    (user_id, login, ids)
}

/// Everything of `user_id` (email `email`) still stored, one line each:
/// embedded, a row of any SQLite table (but the tombstone's) naming them, or
/// their blob directory; aws, an item of theirs in any table (but the
/// tombstone), an object under their prefix, or their Cognito user.
async fn leftovers(live: &Live, user_id: &str, email: &str) -> Vec<String> {
    let mut found = Vec::new();
    match live.store().aws() {
        None => {
            // Every table but the tombstone's.
            let dir = live.store().data_dir();
            found =
                api_handler::store::embedded::testing::rows_naming(dir, user_id, &[user_id, email], &["revocations"])
                    .unwrap();
        }
        Some(aws) => {
            for (table, sk) in aws.items_of(user_id).await {
                if sk != "REVOKED" {
                    found.push(format!("{table}: {sk}"));
                }
            }
            for key in aws.objects_under(&format!("{user_id}/")).await {
                found.push(format!("s3: {key}"));
            }
            let settings = &aws.settings;
            let sdk = sdk_at(&aws.endpoint).await;
            let cognito = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
            let user = cognito
                .admin_get_user()
                .user_pool_id(&settings.user_pool_id)
                .username(email)
                .send()
                .await;
            if user.is_ok() {
                found.push(format!("cognito user {email}"));
            }
        }
    }
    found
}

async fn a_deleted_account_is_refused_everywhere_and_purged_from_every_store(kind: Kind) {
    let live = Live::fresh(kind).await;
    let email = "ada@example.com";
    let (user_id, login, ids) = busy_user(&live, email).await;
    let token = text(&login, "accessToken");
    let (_, other) = live.user("bea@example.com").await;
    let bea_goal = text(&live.goal(&other, "Bea's", "daily", 5.0).await, "goalId");
    assert!(leftovers(&live, &user_id, email).await.len() > 50);

    let delete = |password: &'static str, path: String| {
        let (live, token) = (&live, token.clone());
        async move {
            live.call("DELETE", &path, Some(&token), Some(&json!({ "password": password })))
                .await
        }
    };
    let own = format!("/users/{user_id}");
    let wrong = delete("Wrong-Password-1", own.clone()).await;
    assert_eq!((wrong.status, wrong.code().as_str()), (401, "unauthorized"));
    let missing = live.call("DELETE", &own, Some(&token), None).await;
    assert_eq!(missing.status, 415, "the password is required");
    assert_eq!(delete(PASSWORD, "/users/someone-else".to_owned()).await.status, 404);

    let deleted = delete(PASSWORD, "/users/me".to_owned()).await;
    assert_eq!(deleted.status, 202, "{}", String::from_utf8_lossy(&deleted.body));
    assert_eq!(deleted.json(), json!({ "userId": user_id, "status": "deleting" }));

    // From the 202 on, the old access token opens no route of the registry.
    let mut checked = 0;
    for route in api_handler::routes() {
        if route.auth == Auth::Public {
            continue;
        }
        let path = ids.iter().fold(route.path.to_owned(), |path, (name, value)| {
            path.replace(&format!("{{{name}}}"), value)
        });
        let response = live.call(route.method.as_str(), &path, Some(&token), None).await;
        assert_eq!(
            (response.status, response.code().as_str()),
            (401, "unauthorized"),
            "{} with a deleted account's token",
            route.route_key
        );
        checked += 1;
    }
    assert!(checked >= 18, "{checked} routes");
    let login_again = live.login(email, PASSWORD).await;
    assert_eq!(login_again.status, 401);
    let refresh = live.refresh(&login["refreshToken"]).await;
    assert_eq!(refresh.status, 401);

    // The consumer purges everything the user owned.
    assert!(live.count_events("user.deleted").await == 1);
    assert_eq!(live.consume().await, Vec::<String>::new());
    assert_eq!(leftovers(&live, &user_id, email).await, Vec::<String>::new());

    // Bea is untouched.
    let bea = live
        .call("GET", &format!("/goals/{bea_goal}"), Some(&other), None)
        .await;
    assert_eq!((bea.status, bea.json()["title"].as_str()), (200, Some("Bea's")));

    // The same email registers afresh: a new, empty account.
    let (new_id, fresh) = live.sign_up(email).await;
    assert_ne!(new_id, user_id);
    let fresh_token = text(&fresh, "accessToken");
    let goals = live.call("GET", "/goals", Some(&fresh_token), None).await.json();
    assert_eq!(goals["items"], json!([]));
    let inbox = live
        .call("GET", "/notifications", Some(&fresh_token), None)
        .await
        .json();
    assert_eq!(inbox["items"], json!([]));
}

async fn a_purge_cut_short_finishes_on_redelivery_and_purging_twice_is_a_no_op(kind: Kind) {
    let (proxy, live) = Live::behind_a_proxy(kind).await;
    let email = "ada@example.com";
    let (user_id, login, _) = busy_user(&live, email).await;
    let token = text(&login, "accessToken");
    let deleted = live
        .call(
            "DELETE",
            "/users/me",
            Some(&token),
            Some(&json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status, 202);
    // A first delivery got one page done, then the process died.
    let page = live.app().erasure().erase_page(&user_id, 10).await.unwrap();
    assert_eq!(page, 10);
    // (The embedded account's rows went with its account row, by cascade;
    // its idempotency records, outbox rows and blobs wait for the purge.)
    let left = leftovers(&live, &user_id, email).await.len();
    assert!(left > 5, "{left} left");
    if let Some(proxy) = &proxy {
        // The redelivery fails too, half-way through the stores.
        proxy.fail("BatchWriteItem", BROKEN);
        let failed = live.consume().await;
        assert_eq!(failed.len(), 1, "the user.deleted message comes back: {failed:?}");
        proxy.heal();
    }
    assert_eq!(live.consume().await, Vec::<String>::new());
    assert_eq!(leftovers(&live, &user_id, email).await, Vec::<String>::new());
    // Another redelivery finds nothing to do.
    let purged = api_handler::use_cases::deletion::purge(live.app(), &user_id, email)
        .await
        .unwrap();
    assert_eq!(purged, Default::default());
    assert_eq!(live.consume().await, Vec::<String>::new());
}

/// The code mailed for `email`'s reset: the embedded mail sink's newest
/// message to them. moto sends none, and takes any code that is not one of
/// its own (`moto-confirmation-code:…`), so the aws side passes one.
fn mailed_code(live: &Live, email: &str) -> String {
    if live.store().aws().is_some() {
        return "123456".to_owned();
    }
    let mail = live.store().data_dir().join("mail");
    let mut messages: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            (modified, std::fs::read_to_string(&path).unwrap())
        })
        .filter(|(_, text)| text.contains(&format!("To: {email}")))
        .collect();
    messages.sort();
    let (_, text) = messages.last().expect("a mail to the user");
    assert!(text.contains("Subject: Your password reset code"), "{text}");
    let line = text.lines().find(|line| line.starts_with("Your code: ")).unwrap();
    line.trim_start_matches("Your code: ").trim().to_owned()
}

/// A code `mailed_code` did not give: refused on either backend.
fn wrong_code(live: &Live, right: &str) -> String {
    if live.store().aws().is_some() {
        return "moto-confirmation-code:000000".to_owned();
    }
    if right == "000000" { "000001" } else { "000000" }.to_owned()
}

/// `POST /auth/reset-password`.
async fn reset_password(live: &Live, email: &str, code: String, password: &str) -> Resp {
    let body = json!({ "email": email, "code": code, "newPassword": password });
    live.call("POST", "/auth/reset-password", None, Some(&body)).await
}

async fn a_forgotten_password_is_reset_with_the_mailed_code(kind: Kind) {
    let live = Live::fresh(kind).await;
    let email = "ada@example.com";
    let (_, login) = live.sign_up(email).await;
    let token = text(&login, "accessToken");

    // Known or not, every email gets the same answer.
    let forgot = |email: &'static str| {
        let live = &live;
        async move {
            live.call("POST", "/auth/forgot-password", None, Some(&json!({ "email": email })))
                .await
        }
    };
    let known = forgot("Ada@Example.com").await;
    let unknown = forgot("nobody@example.com").await;
    assert_eq!((known.status, known.json()), (202, json!({ "status": "requested" })));
    assert_eq!((unknown.status, unknown.body), (known.status, known.body.clone()));
    let code = mailed_code(&live, email);
    if kind == Kind::Embedded {
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
        let mails = std::fs::read_dir(live.store().data_dir().join("mail")).unwrap().count();
        assert_eq!(mails, 1, "nothing is mailed for an unknown email");
    }

    let reset = |code: String, password: &'static str| reset_password(&live, email, code, password);
    let wrong = reset(wrong_code(&live, &code), NEW_PASSWORD).await;
    assert_eq!((wrong.status, wrong.code().as_str()), (400, "bad_request"));
    let weak = reset(code.clone(), "weak").await;
    assert_eq!(weak.status, 422);
    assert_eq!(weak.fields(), ["/newPassword"]);

    next_second().await;
    assert_eq!(reset(code.clone(), NEW_PASSWORD).await.status, 204);
    if kind == Kind::Embedded {
        assert_eq!(reset(code, "Another-Pass-8").await.status, 400, "a code works once");
    }
    assert_eq!(live.login(email, PASSWORD).await.status, 401);
    assert_eq!(live.login(email, NEW_PASSWORD).await.status, 200);
    let refresh = live.refresh(&login["refreshToken"]).await;
    assert_eq!(refresh.status, 401, "a reset revokes every refresh token");
    let old = live.call("GET", "/goals", Some(&token), None).await;
    assert_eq!(old.status, 401, "and refuses the access tokens issued before it");
}

/// Embedded only: a code lasts five wrong tries, then a new one must be asked for.
#[tokio::test]
async fn embedded_reset_codes_give_up_after_five_wrong_tries() {
    let live = Live::fresh(Kind::Embedded).await;
    let email = "ada@example.com";
    live.sign_up(email).await;
    let forgot = live
        .call("POST", "/auth/forgot-password", None, Some(&json!({ "email": email })))
        .await;
    assert_eq!(forgot.status, 202);
    let code = mailed_code(&live, email);
    let reset = |code: String| async { reset_password(&live, email, code, NEW_PASSWORD).await.status };
    for _ in 0..5 {
        assert_eq!(reset(wrong_code(&live, &code)).await, 400);
    }
    // The throttle makes the sixth attempt wait a second first.
    assert_eq!(reset(code.clone()).await, 429);
    next_second().await;
    assert_eq!(reset(code).await, 400, "the right code no longer works");
}

async fn signing_out_revokes_one_session_or_all_of_them(kind: Kind) {
    // moto has no RevokeToken: the proxy plays Cognito's.
    let (_proxy, live) = Live::behind_a_proxy(kind).await;
    let email = "ada@example.com";
    let (_, first) = live.sign_up(email).await;
    let second = live.login(email, PASSWORD).await.json();

    let logout = live
        .call(
            "POST",
            "/auth/logout",
            None,
            Some(&json!({ "refreshToken": first["refreshToken"] })),
        )
        .await;
    assert_eq!(logout.status, 204);
    assert_eq!(live.refresh(&first["refreshToken"]).await.status, 401);
    let again = live
        .call(
            "POST",
            "/auth/logout",
            None,
            Some(&json!({ "refreshToken": first["refreshToken"] })),
        )
        .await;
    assert_eq!(again.status, 204, "signing out twice is fine");
    let renewed = live.refresh(&second["refreshToken"]).await;
    assert_eq!(renewed.status, 200, "the other session goes on");
    let renewed = renewed.json();

    next_second().await;
    let token = text(&renewed, "accessToken");
    assert_eq!(
        live.call("POST", "/auth/logout-all", Some(&token), None).await.status,
        204
    );
    assert_eq!(live.refresh(&renewed["refreshToken"]).await.status, 401);
    assert_eq!(live.call("GET", "/goals", Some(&token), None).await.status, 401);
    let third = live.login(email, PASSWORD).await.json();
    let fresh = live
        .call("GET", "/goals", Some(third["accessToken"].as_str().unwrap()), None)
        .await;
    assert_eq!(fresh.status, 200, "a new login works at once");
}

async fn changing_the_password_checks_the_current_one_and_signs_out_everywhere(kind: Kind) {
    let live = Live::fresh(kind).await;
    let email = "ada@example.com";
    let (_, login) = live.sign_up(email).await;
    let token = text(&login, "accessToken");
    let change = |current: &'static str, new: &'static str| {
        let (live, token) = (&live, token.clone());
        async move {
            live.call(
                "POST",
                "/auth/change-password",
                Some(&token),
                Some(&json!({ "currentPassword": current, "newPassword": new })),
            )
            .await
        }
    };
    assert_eq!(change("Wrong-Password-1", NEW_PASSWORD).await.status, 401);
    let weak = change(PASSWORD, "weak").await;
    assert_eq!((weak.status, weak.fields()), (422, vec!["/newPassword".to_owned()]));
    next_second().await;
    assert_eq!(change(PASSWORD, NEW_PASSWORD).await.status, 204);

    assert_eq!(live.login(email, PASSWORD).await.status, 401);
    assert_eq!(live.login(email, NEW_PASSWORD).await.status, 200);
    let refresh = live.refresh(&login["refreshToken"]).await;
    assert_eq!(refresh.status, 401);
    assert_eq!(live.call("GET", "/goals", Some(&token), None).await.status, 401);
}
