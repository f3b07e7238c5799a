//! A user's account: registration (its profile's time zone set before any
//! progress), log in, refresh, sign out of one session or all, a password
//! change (an unknown outcome resolved by logging in: the new password
//! works or the old one does), the profile, and the data export.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use api_handler::domain::profile::Profile;
use chrono::Utc;
use http::Method;
use serde_json::{Value, json};

use super::client::Request;
use super::exchange::{Failure, Reply};
use super::findings::Invariant;
use super::user::User;

/// Time zones users set on their profile (the rest keep UTC).
const TIME_ZONES: [&str; 6] = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "America/Los_Angeles",
    "Australia/Sydney",
];
/// How long the final check waits for a requested export to be ready.
const EXPORT_WAIT: Duration = Duration::from_secs(30);

impl User {
    /// Registers (the display name left out sometimes), logs in and sets a
    /// time zone on the profile for most users; false if it could not.
    pub(super) async fn setup(&mut self) -> bool {
        let mut unknown_before = false;
        loop {
            if Instant::now() >= self.shared.stop_at {
                return false;
            }
            let mut body = json!({ "email": self.model.email, "password": self.model.password });
            if self.rng.bool() {
                body["displayName"] = json!(format!("Soak user {}", self.model.index));
            }
            let request = Request::new("POST /auth/register", Method::POST, "/auth/register").json(body);
            match self.client.send(&request).await {
                Ok(reply) if reply.status == 201 => {
                    if unknown_before {
                        self.model.resolutions.count("registration", false);
                    }
                    self.findings().held(Invariant::ExpectedStatus, 1);
                    self.model.user_id = reply.json()["userId"].as_str().unwrap_or_default().to_owned();
                    break;
                }
                Ok(reply) if reply.status == 409 && unknown_before => {
                    self.model.resolutions.count("registration", true);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                    break;
                }
                Ok(reply) if reply.status == 429 => self.throttled(&reply).await,
                Ok(reply) => {
                    self.expect(&reply, &[201], "POST /auth/register");
                    return false;
                }
                Err(Failure::NotSent(_)) => self.pause().await,
                Err(Failure::Unknown(_)) => {
                    unknown_before = true;
                    self.pause().await;
                }
            }
        }
        if self.shared.confirm && !self.confirm().await {
            return false;
        }
        if !self.login().await {
            return false;
        }
        if self.rng.u32(0..10) < 6
            && let Some(zone) = self.rng.choice(TIME_ZONES)
        {
            let body = json!({ "displayName": format!("Soak user {}", self.model.index), "timezone": zone });
            let Some(reply) = self
                .answered(|| {
                    Request::new("PUT /users/{userId}/profile", Method::PUT, "/users/me/profile").json(body.clone())
                })
                .await
            else {
                return false;
            };
            if !self.expect(&reply, &[200], "PUT /users/{userId}/profile") {
                return false;
            }
            self.model.timezone = zone.to_owned();
        }
        let Some(reply) = self
            .answered(|| Request::new("GET /users/{userId}/profile", Method::GET, "/users/me/profile"))
            .await
        else {
            return false;
        };
        if !self.expect(&reply, &[200], "GET /users/{userId}/profile") {
            return false;
        }
        let read = reply.json();
        if self.model.user_id.is_empty() {
            read["userId"]
                .as_str()
                .unwrap_or_default()
                .clone_into(&mut self.model.user_id);
        }
        let mut profile = Profile::new(&self.model.user_id, &self.model.email, None, Utc::now());
        profile.timezone = self.model.timezone.clone();
        self.profile = Some(profile);
        !self.model.user_id.is_empty()
    }

    /// Confirms the registration with its code (on the aws backend:
    /// Cognito mails one, and moto accepts any). A confirmation of unknown
    /// outcome is sent again; a refusal then (already confirmed) is left
    /// for the login to settle.
    async fn confirm(&mut self) -> bool {
        let mut unknown_before = false;
        loop {
            if Instant::now() >= self.shared.stop_at {
                return false;
            }
            let body = json!({ "email": self.model.email, "code": "123456" });
            let request = Request::new("POST /auth/confirm", Method::POST, "/auth/confirm").json(body);
            match self.client.send(&request).await {
                Ok(reply) if reply.status == 429 => self.throttled(&reply).await,
                Ok(reply) if unknown_before && (400..500).contains(&reply.status) => return true,
                Ok(reply) => return self.expect(&reply, &[204], "POST /auth/confirm"),
                Err(Failure::NotSent(_)) => self.pause().await,
                Err(Failure::Unknown(_)) => {
                    unknown_before = true;
                    self.pause().await;
                }
            }
        }
    }

    /// Waits out a 429's `Retry-After` (at most 5 s).
    async fn throttled(&mut self, reply: &Reply) {
        let seconds = reply
            .header("retry-after")
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(1)
            .min(5);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
    }

    /// Logs in with the current password; false if it could not.
    pub(super) async fn login(&mut self) -> bool {
        loop {
            if self.given_up() {
                return false;
            }
            match self.client.send(&self.login_request()).await {
                Ok(reply) if reply.status == 200 => {
                    self.findings().held(Invariant::ExpectedStatus, 1);
                    self.take_tokens(&reply.json());
                    return true;
                }
                Ok(reply) if reply.status == 429 => self.throttled(&reply).await,
                Ok(reply) => {
                    self.expect(&reply, &[200], "POST /auth/login");
                    return false;
                }
                Err(_) => self.pause().await,
            }
        }
    }

    /// `POST /auth/login` with the current credentials.
    pub(super) fn login_request(&self) -> Request {
        let body = json!({ "email": self.model.email, "password": self.model.password });
        Request::new("POST /auth/login", Method::POST, "/auth/login").json(body)
    }

    /// Keeps the tokens of a login or refresh answer.
    pub(super) fn take_tokens(&mut self, tokens: &Value) {
        if let Some(access) = tokens["accessToken"].as_str() {
            access.clone_into(&mut self.access);
            self.token_incarnation = self.shared.incarnation.load(Ordering::Relaxed);
            self.relogin = false;
        }
        if let Some(refresh) = tokens["refreshToken"].as_str() {
            refresh.clone_into(&mut self.refresh);
        }
    }

    /// `POST /auth/refresh` (tokens rotate); after an unknown outcome the
    /// used refresh token may be spent, so the user logs in again instead.
    pub(super) async fn refresh_tokens(&mut self) {
        let body = json!({ "refreshToken": self.refresh });
        let request = Request::new("POST /auth/refresh", Method::POST, "/auth/refresh").json(body);
        match self.client.send(&request).await {
            Ok(reply) if reply.status == 429 => {}
            Ok(reply) => {
                if self.expect(&reply, &[200], "POST /auth/refresh") {
                    self.take_tokens(&reply.json());
                } else {
                    self.relogin = true;
                }
            }
            Err(_) => self.relogin = true,
        }
    }

    /// Logs out of this session (or every one), then logs in again.
    pub(super) async fn logout(&mut self, everywhere: bool) {
        let sent = if everywhere {
            self.authed(Request::new("POST /auth/logout-all", Method::POST, "/auth/logout-all"))
                .await
        } else {
            let body = json!({ "refreshToken": self.refresh });
            let request = Request::new("POST /auth/logout", Method::POST, "/auth/logout").json(body);
            self.client.send(&request).await
        };
        if let Ok(reply) = &sent {
            let route = if everywhere {
                "POST /auth/logout-all"
            } else {
                "POST /auth/logout"
            };
            if reply.status != 429 {
                self.expect(reply, &[204], route);
            }
        }
        self.relogin = true;
    }

    /// Changes the password, then logs in with the new one. An unknown
    /// outcome is resolved by logging in: the new password works, or the
    /// old one does, never neither.
    pub(super) async fn change_password(&mut self) {
        let number = self.next + 1;
        self.next = number;
        let new = format!("Soak-pass-{}-{number}A1", self.model.index);
        let body = json!({ "currentPassword": self.model.password, "newPassword": new });
        let request = Request::new("POST /auth/change-password", Method::POST, "/auth/change-password").json(body);
        match self.authed(request).await {
            Ok(reply) => {
                if self.expect(&reply, &[204], "POST /auth/change-password") {
                    self.model.password = new;
                    self.relogin = true;
                }
            }
            Err(Failure::NotSent(_)) => self.pause().await,
            Err(Failure::Unknown(_)) => {
                let old = std::mem::replace(&mut self.model.password, new);
                if self.login().await {
                    self.model.resolutions.count("password change", true);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                    return;
                }
                self.model.password = old;
                if self.login().await {
                    self.model.resolutions.count("password change", false);
                    self.findings().held(Invariant::UnknownAllOrNothing, 1);
                } else if !self.given_up() {
                    let example = format!(
                        "user {}: after a password change of unknown outcome neither password logs in",
                        self.model.index
                    );
                    self.findings().broke(Invariant::UnknownAllOrNothing, example);
                }
            }
        }
    }

    /// Asks for an export; when one is ready, downloads it and checks it is
    /// the user's.
    pub(super) async fn export(&mut self) {
        let Some(reply) = self
            .answered(|| Request::new("GET /users/{userId}/export", Method::GET, "/users/me/export"))
            .await
        else {
            return;
        };
        if !self.expect(&reply, &[200], "GET /users/{userId}/export") {
            return;
        }
        self.model.export_requested = true;
        let status = reply.json();
        if status["status"] == "ready"
            && let Some(url) = status["url"].as_str()
        {
            self.download_export(url).await;
        }
    }

    /// Downloads a ready export and checks it is the user's own document.
    pub(super) async fn download_export(&mut self, url: &str) -> bool {
        let Some((mut storage, target)) = self.client.for_url(url) else {
            self.findings()
                .broke(Invariant::ConsumersOnce, format!("an export URL without a path: {url}"));
            return false;
        };
        let request = Request::new("GET download URL (export)", Method::GET, target);
        let Ok(reply) = storage.send(&request).await else {
            return false;
        };
        if !self.expect(&reply, &[200], "GET export document") {
            return false;
        }
        let document = reply.json();
        self.findings().check(
            Invariant::ConsumersOnce,
            document["userId"].as_str() == Some(self.model.user_id.as_str()),
            || {
                format!(
                    "user {}: the export document is not theirs: {}",
                    self.model.index,
                    reply.summary()
                )
            },
        )
    }

    /// Reads the profile: its email and time zone as set.
    pub(super) async fn verify_profile(&mut self) {
        let Some(reply) = self
            .answered(|| Request::new("GET /users/{userId}/profile", Method::GET, "/users/me/profile"))
            .await
        else {
            return;
        };
        if !self.expect(&reply, &[200], "GET /users/{userId}/profile") {
            return;
        }
        let profile = reply.json();
        let ok = profile["timezone"].as_str() == Some(self.model.timezone.as_str())
            && profile["email"].as_str() == Some(self.model.email.as_str());
        self.findings().check(Invariant::Acknowledged, ok, || {
            format!(
                "user {}: the profile reads {}, set with time zone {}",
                self.model.index,
                reply.summary(),
                self.model.timezone
            )
        });
    }

    /// Waits (bounded) for the requested export to be ready, then downloads
    /// it.
    pub(super) async fn verify_export(&mut self) {
        let started = Instant::now();
        let route = "GET /users/{userId}/export";
        while started.elapsed() < EXPORT_WAIT {
            let Some(reply) = self
                .answered(|| Request::new(route, Method::GET, "/users/me/export"))
                .await
            else {
                return;
            };
            if !self.expect(&reply, &[200], route) {
                return;
            }
            let status = reply.json();
            if status["status"] == "ready"
                && let Some(url) = status["url"].as_str()
            {
                self.download_export(url).await;
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        self.findings().broke(
            Invariant::ConsumersOnce,
            format!(
                "user {}: the export asked for is not ready {EXPORT_WAIT:?} after the queue drained",
                self.model.index
            ),
        );
    }
}
