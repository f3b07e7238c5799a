//! Leaving and coming back: a user deletes their account (confirmed with
//! the password), then registers anew under another email and goes on. A
//! deletion of unknown outcome is resolved by logging in with the old
//! credentials. Each deleted account is checked at the end: its
//! credentials and its last access token are refused, and once the queue
//! has drained the store holds nothing of it but its tombstone.

use http::Method;
use serde_json::json;

use super::client::Request;
use super::exchange::Failure;
use super::findings::Invariant;
use super::model::{Departed, UserModel};
use super::user::User;

/// The most accounts one user deletes in a run.
const LIVES: usize = 2;

impl User {
    /// Whether this user may delete its account now: one user in five, a
    /// bounded number of times.
    pub(super) fn may_leave(&self) -> bool {
        self.model.index % 5 == 4 && self.departed.len() < LIVES && !self.model.user_id.is_empty()
    }

    /// `DELETE /users/me` with the password (202), then a new account.
    pub(super) async fn delete_account(&mut self) {
        let route = "DELETE /users/{userId}";
        let body = json!({ "password": self.model.password });
        let request = Request::new(route, Method::DELETE, "/users/me").json(body);
        match self.authed(request).await {
            Ok(reply) if reply.status == 429 => return,
            Ok(reply) => {
                if !self.expect(&reply, &[202], route) {
                    return;
                }
            }
            Err(Failure::NotSent(_)) => return,
            Err(Failure::Unknown(_)) => match self.credentials_work().await {
                Some(true) => {
                    self.model.resolutions.count("account deletion", false);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                    return;
                }
                Some(false) => {
                    self.model.resolutions.count("account deletion", true);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                }
                None => {
                    self.unresolved("the deletion of the account");
                    return;
                }
            },
        }
        self.departed.push(Departed {
            user_id: self.model.user_id.clone(),
            email: self.model.email.clone(),
            password: self.model.password.clone(),
            access: self.access.clone(),
        });
        self.begin_again();
        if !self.setup().await {
            self.relogin = true;
        }
    }

    /// A new life: a fresh record under a new email, the counts kept.
    fn begin_again(&mut self) {
        let index = self.model.index;
        let life = self.departed.len();
        let fresh = UserModel {
            index,
            email: format!("soak-{}-{index}-life{life}@soak.example.com", self.shared.seed),
            password: format!("Soak-pass-{index}-life{life}A1"),
            timezone: "UTC".to_owned(),
            resolutions: std::mem::take(&mut self.model.resolutions),
            retries: self.model.retries,
            ..UserModel::default()
        };
        self.model = fresh;
        self.access.clear();
        self.refresh.clear();
        self.profile = None;
        self.keyed.clear();
        self.relogin = false;
    }

    /// Whether the user's current credentials log in (`None`: no answer
    /// before giving up); a login that works keeps its tokens.
    async fn credentials_work(&mut self) -> Option<bool> {
        loop {
            if self.given_up() {
                return None;
            }
            match self.client.send(&self.login_request()).await {
                Ok(reply) if reply.status == 200 => {
                    self.findings().held(Invariant::ExpectedStatus, 1);
                    self.take_tokens(&reply.json());
                    return Some(true);
                }
                Ok(reply) if reply.status == 401 => return Some(false),
                Ok(reply) if reply.status == 429 => self.pause().await,
                Ok(reply) => {
                    self.expect(&reply, &[200, 401], "POST /auth/login");
                    return None;
                }
                Err(_) => self.pause().await,
            }
        }
    }

    /// The final check of the deleted accounts: their credentials and last
    /// access tokens are refused (401).
    pub(super) async fn verify_departed(&mut self) {
        for departed in self.departed.clone() {
            let body = json!({ "email": departed.email, "password": departed.password });
            let login = Request::new("POST /auth/login", Method::POST, "/auth/login").json(body);
            let read = Request::new("GET /goals", Method::GET, "/goals").token(&departed.access);
            for (what, request) in [("its credentials", login), ("its last access token", read)] {
                let reply = loop {
                    if self.given_up() {
                        self.gave_up += 1;
                        return;
                    }
                    match self.client.send(&request).await {
                        Ok(reply) if reply.status == 429 => self.pause().await,
                        Ok(reply) => break reply,
                        Err(_) => self.pause().await,
                    }
                };
                self.findings().check(Invariant::Purged, reply.status == 401, || {
                    format!(
                        "user {}: deleted account {} still accepts {what}: {}",
                        self.model.index,
                        departed.user_id,
                        reply.summary()
                    )
                });
            }
        }
    }
}
