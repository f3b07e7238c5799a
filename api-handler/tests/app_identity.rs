//! Identity and profile routes over a real local server, on every backend.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::backends::{Kind, contract_tests};
use common::live::{Live, PASSWORD};
use serde_json::json;

contract_tests!(
    registration_creates_a_confirmed_user_with_a_profile,
    confirm_accepts_known_accounts_and_rejects_others_alike,
    login_gives_tokens_and_the_same_401_for_any_bad_credential,
    refresh_gives_new_tokens_rotating_them_where_the_provider_does,
    profiles_are_read_and_replaced_by_their_owner_only,
    data_and_tokens_survive_a_restart,
);

async fn registration_creates_a_confirmed_user_with_a_profile(kind: Kind) {
    let live = Live::fresh(kind).await;
    let response = live
        .call(
            "POST",
            "/auth/register",
            None,
            Some(&json!({ "email": " Ada@Example.com ", "password": PASSWORD, "displayName": "Ada" })),
        )
        .await;
    assert_eq!(response.status, 201);
    let body = response.json();
    assert_eq!(body["email"], "ada@example.com");
    // The embedded backend confirms at registration; Cognito waits for the code.
    assert_eq!(body["confirmed"], kind == Kind::Embedded);
    let user_id = body["userId"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/users/{user_id}/profile").as_str())
    );
    let registered: Vec<_> = live
        .events()
        .await
        .into_iter()
        .filter(|event| event.kind.as_str() == "user.registered")
        .collect();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].user_id, user_id);
    assert_eq!(registered[0].data["email"], "ada@example.com");

    let duplicate = live
        .call(
            "POST",
            "/auth/register",
            None,
            Some(&json!({ "email": "ada@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!((duplicate.status, duplicate.code().as_str()), (409, "conflict"));

    let unnamed = live
        .call(
            "POST",
            "/auth/register",
            None,
            Some(&json!({ "email": "bea@example.com", "password": PASSWORD, "displayName": null })),
        )
        .await;
    assert_eq!(unnamed.status, 201, "a null display name means none");

    let invalid = live
        .call(
            "POST",
            "/auth/register",
            None,
            Some(&json!({ "email": "nope", "password": "weak", "displayName": "" })),
        )
        .await;
    assert_eq!(invalid.status, 422);
    let fields = invalid.fields();
    assert_eq!(
        fields,
        ["/displayName", "/email", "/password"],
        "every field at once, in pointer order"
    );
}

async fn confirm_accepts_known_accounts_and_rejects_others_alike(kind: Kind) {
    let live = Live::fresh(kind).await;
    live.sign_up("c@example.com").await;
    let ok = live
        .call(
            "POST",
            "/auth/confirm",
            None,
            Some(&json!({ "email": "c@example.com", "code": "123456" })),
        )
        .await;
    assert_eq!(ok.status, 204);
    let unknown = live
        .call(
            "POST",
            "/auth/confirm",
            None,
            Some(&json!({ "email": "x@example.com", "code": "123456" })),
        )
        .await;
    assert_eq!((unknown.status, unknown.code().as_str()), (400, "bad_request"));
}

async fn login_gives_tokens_and_the_same_401_for_any_bad_credential(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (user_id, tokens) = live.sign_up("l@example.com").await;
    assert_eq!(tokens["tokenType"], "Bearer");
    assert_eq!(tokens["expiresIn"], 3600);
    for key in ["accessToken", "idToken", "refreshToken"] {
        assert!(tokens[key].as_str().is_some_and(|t| t.len() > 20), "{key}");
    }
    let me = live
        .call("GET", "/users/me/profile", tokens["accessToken"].as_str(), None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["userId"], user_id.as_str());

    // The ID token is not an access token.
    let with_id_token = live
        .call("GET", "/users/me/profile", tokens["idToken"].as_str(), None)
        .await;
    assert_eq!(with_id_token.status, 401);

    let wrong_password = live
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "email": "l@example.com", "password": "Wrong-pass-1" })),
        )
        .await;
    let unknown_email = live
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "email": "who@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(unknown_email.status, 401);
    assert_eq!(
        wrong_password.json()["error"]["message"],
        unknown_email.json()["error"]["message"]
    );
}

async fn refresh_gives_new_tokens_rotating_them_where_the_provider_does(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, tokens) = live.sign_up("r@example.com").await;
    let first = tokens["refreshToken"].as_str().unwrap().to_owned();

    let refreshed = live
        .call("POST", "/auth/refresh", None, Some(&json!({ "refreshToken": first })))
        .await;
    assert_eq!(refreshed.status, 200);
    let body = refreshed.json();
    let second = body["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(
        live.call("GET", "/users/me/profile", body["accessToken"].as_str(), None)
            .await
            .status,
        200
    );
    if kind == Kind::Aws {
        // A Cognito app client without rotation keeps its refresh token.
        assert_eq!(first, second);
    } else {
        assert_ne!(first, second);
        // The first token again: reuse. It fails, and so does its successor.
        let reuse = live
            .call("POST", "/auth/refresh", None, Some(&json!({ "refreshToken": first })))
            .await;
        assert_eq!(reuse.status, 401);
        let successor = live
            .call("POST", "/auth/refresh", None, Some(&json!({ "refreshToken": second })))
            .await;
        assert_eq!(successor.status, 401);
    }

    let garbage = live
        .call(
            "POST",
            "/auth/refresh",
            None,
            Some(&json!({ "refreshToken": "garbage" })),
        )
        .await;
    assert_eq!(garbage.status, 401);
}

async fn profiles_are_read_and_replaced_by_their_owner_only(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (ada, ada_token) = live.user("ada@example.com").await;
    let (bob, _) = live.user("bob@example.com").await;

    let own = live
        .call("GET", &format!("/users/{ada}/profile"), Some(&ada_token), None)
        .await;
    assert_eq!(own.status, 200);
    let profile = own.json();
    assert_eq!(profile["displayName"], "ada");
    assert_eq!(profile["timezone"], "UTC");
    assert_eq!(profile["email"], "ada@example.com");

    let other = live
        .call("GET", &format!("/users/{bob}/profile"), Some(&ada_token), None)
        .await;
    assert_eq!((other.status, other.code().as_str()), (404, "not_found"));

    let update = json!({ "displayName": " Ada L. ", "timezone": "Europe/Paris" });
    let updated = live
        .call("PUT", "/users/me/profile", Some(&ada_token), Some(&update))
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["displayName"], "Ada L.");
    assert_eq!(updated.json()["timezone"], "Europe/Paris");

    let bad = live
        .call(
            "PUT",
            "/users/me/profile",
            Some(&ada_token),
            Some(&json!({ "displayName": "", "timezone": "Mars/Olympus" })),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"]["details"].as_array().unwrap().len(), 2);

    let bobs = live
        .call("PUT", &format!("/users/{bob}/profile"), Some(&ada_token), Some(&update))
        .await;
    assert_eq!(bobs.status, 404);
}

async fn data_and_tokens_survive_a_restart(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, tokens) = live.sign_up("persist@example.com").await;
    let access = tokens["accessToken"].as_str().unwrap().to_owned();
    let goal = live.goal(&access, "Persist", "weekly", 3.0).await;
    let goal_id = goal["goalId"].as_str().unwrap().to_owned();
    let store = live.stop().await;

    let live = Live::start(store).await;
    let fetched = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&access), None)
        .await;
    assert_eq!(
        fetched.status, 200,
        "the old access token still verifies after a restart"
    );
    assert_eq!(fetched.json()["title"], "Persist");
    let refreshed = live
        .call(
            "POST",
            "/auth/refresh",
            None,
            Some(&json!({ "refreshToken": tokens["refreshToken"] })),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    let login = live
        .call(
            "POST",
            "/auth/login",
            None,
            Some(&json!({ "email": "persist@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(login.status, 200);
}

/// Embedded only: the data directory's secrets are readable by their owner only.
#[tokio::test]
async fn embedded_secrets_are_kept_owner_only_in_the_data_directory() {
    use std::os::unix::fs::PermissionsExt;
    let live = Live::fresh(Kind::Embedded).await;
    for name in ["keys/signing-key.pem", "keys/secret.key"] {
        let mode = std::fs::metadata(live.store().data_dir().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}
