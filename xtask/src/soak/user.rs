//! One simulated user: what it holds, the mix of operations it draws from
//! its own seeded RNG, and the helpers every operation shares (the token's
//! bookkeeping, asking until answered, counting an answer against the
//! statuses allowed, listing every page).
//!
//! A user is one task doing one thing at a time (but for bursts of progress
//! posts sent at once), so its record of what the server acknowledged is
//! exact once each write of unknown outcome is resolved, which it does
//! before going on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use api_handler::domain::profile::Profile;
use chrono::{DateTime, NaiveDate, Utc};
use http::Method;
use serde_json::Value;

use super::client::{self, Client, Request};
use super::exchange::{Reply, Sent};
use super::findings::{Findings, Invariant};
use super::model::{Departed, UserModel};

/// How many times a resolving loop asks again after a 401.
const REAUTHENTICATIONS: usize = 5;

/// What every user shares.
pub(super) struct Shared {
    /// The invariants' tallies.
    pub(super) findings: Arc<Findings>,
    /// The server's incarnation (1 for the first).
    pub(super) incarnation: Arc<AtomicU32>,
    /// When users stop starting operations (the faults stop then too).
    pub(super) stop_at: Instant,
    /// When a user stops trying to resolve a write of unknown outcome
    /// (the final check sets its own deadline).
    pub(super) give_up_at: Instant,
    /// The run's seed.
    pub(super) seed: u64,
    /// Whether a registration must be confirmed with its code (the aws
    /// backend).
    pub(super) confirm: bool,
}

/// What a user does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Read one goal.
    GetGoal,
    /// List every goal, every page.
    ListGoals,
    /// Create a goal.
    CreateGoal,
    /// Patch a goal with `If-Match` of its current version.
    PatchExact,
    /// Patch a goal without `If-Match` (or with `*`).
    PatchBlind,
    /// Patch a goal with a stale `If-Match`: a 412.
    PatchStale,
    /// Delete a goal.
    DeleteGoal,
    /// Log progress with an `Idempotency-Key`.
    ProgressKeyed,
    /// Log progress without one.
    ProgressUnkeyed,
    /// Several keyed posts on one goal at once.
    ProgressBurst,
    /// A post the contract refuses (422).
    ProgressInvalid,
    /// A used key with another body (409).
    ProgressKeyReused,
    /// List a goal's entries, every page.
    ListProgress,
    /// `GET /stats`.
    Stats,
    /// Create, upload, list and download an attachment.
    Attachment,
    /// The inbox: list unread, mark some read.
    Notifications,
    /// Read the profile.
    Profile,
    /// Refresh the access token.
    Refresh,
    /// Log out of this session, then log in again.
    Logout,
    /// Log out everywhere, then log in again.
    LogoutAll,
    /// Change the password, then log in with it.
    ChangePassword,
    /// Ask for an export of one's data.
    Export,
    /// Delete an attachment.
    DeleteAttachment,
    /// Delete one's account, then register anew.
    DeleteAccount,
}

/// How a patch is conditioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Patch {
    /// `If-Match` of the version the record holds: must apply.
    Exact,
    /// No `If-Match`, or `*`: applies to whatever is current.
    Blind,
    /// `If-Match` of an older version, or a weak tag: must be a 412.
    Stale,
}

/// The mix: each operation and its weight.
const MIX: [(Op, u32); 24] = [
    (Op::GetGoal, 120),
    (Op::ListGoals, 50),
    (Op::CreateGoal, 60),
    (Op::PatchExact, 50),
    (Op::PatchBlind, 25),
    (Op::PatchStale, 10),
    (Op::DeleteGoal, 8),
    (Op::ProgressKeyed, 150),
    (Op::ProgressUnkeyed, 50),
    (Op::ProgressBurst, 20),
    (Op::ProgressInvalid, 10),
    (Op::ProgressKeyReused, 8),
    (Op::ListProgress, 40),
    (Op::Stats, 40),
    (Op::Attachment, 25),
    (Op::Notifications, 40),
    (Op::Profile, 15),
    (Op::Refresh, 8),
    (Op::Logout, 2),
    (Op::LogoutAll, 2),
    (Op::ChangePassword, 2),
    (Op::Export, 3),
    (Op::DeleteAttachment, 6),
    (Op::DeleteAccount, 1),
];

/// One simulated user.
pub(super) struct User {
    /// What the server acknowledged to it.
    pub(super) model: UserModel,
    /// Its connection.
    pub(super) client: Client,
    /// Its own seeded RNG.
    pub(super) rng: fastrand::Rng,
    /// What all users share.
    pub(super) shared: Arc<Shared>,
    /// Its access token.
    pub(super) access: String,
    /// Its refresh token.
    pub(super) refresh: String,
    /// The server incarnation that issued the access token.
    pub(super) token_incarnation: u32,
    /// Its profile as set (for its time zone).
    pub(super) profile: Option<Profile>,
    /// The next number of its markers.
    pub(super) next: u64,
    /// Whether it must log in again before its next request.
    pub(super) relogin: bool,
    /// Recent keyed posts that made an entry: goal, key, body.
    pub(super) keyed: Vec<(String, String, Value)>,
    /// When it stops asking again (see [`Shared::give_up_at`]).
    pub(super) give_up_at: Instant,
    /// Requests it gave up asking, the server unreachable.
    pub(super) gave_up: u64,
    /// The accounts it deleted.
    pub(super) departed: Vec<Departed>,
}

impl User {
    /// User `index` of the run, with its RNG seeded from the run's seed.
    pub(super) fn new(index: usize, client: Client, shared: Arc<Shared>) -> User {
        let seed = shared.seed;
        let model = UserModel {
            index,
            email: format!("soak-{seed}-{index}@soak.example.com"),
            password: format!("Soak-pass-{index}A1"),
            timezone: "UTC".to_owned(),
            ..UserModel::default()
        };
        let index_bits = u64::try_from(index).unwrap_or(u64::MAX);
        let give_up_at = shared.give_up_at;
        User {
            model,
            client,
            rng: fastrand::Rng::with_seed(seed ^ index_bits.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            shared,
            access: String::new(),
            refresh: String::new(),
            token_incarnation: 0,
            profile: None,
            next: 0,
            relogin: false,
            keyed: Vec::new(),
            give_up_at,
            gave_up: 0,
            departed: Vec::new(),
        }
    }

    /// Registers, then runs the mix until the run's end; gives itself back
    /// for the final checks.
    pub(super) async fn run(mut self) -> User {
        if !self.setup().await {
            return self;
        }
        while Instant::now() < self.shared.stop_at {
            if self.relogin && !self.login().await {
                self.pause().await;
                continue;
            }
            let op = self.pick();
            self.perform(op).await;
            let think = self.rng.u64(20..=200);
            tokio::time::sleep(Duration::from_millis(think)).await;
        }
        self
    }

    /// Draws the next operation from the mix.
    fn pick(&mut self) -> Op {
        let total: u32 = MIX.iter().map(|(_, weight)| weight).sum();
        let mut roll = self.rng.u32(0..total);
        for (op, weight) in MIX {
            if roll < weight {
                return op;
            }
            roll -= weight;
        }
        Op::GetGoal
    }

    /// Does `op` (creating a goal instead when it needs one and there is none).
    async fn perform(&mut self, op: Op) {
        let goal_op = !matches!(
            op,
            Op::CreateGoal
                | Op::ListGoals
                | Op::Stats
                | Op::Notifications
                | Op::Profile
                | Op::Refresh
                | Op::Logout
                | Op::LogoutAll
                | Op::ChangePassword
                | Op::Export
                | Op::DeleteAccount
        );
        if goal_op && self.model.live_goals().next().is_none() {
            self.create_goal().await;
            return;
        }
        match op {
            Op::GetGoal => {
                if let Some(goal) = self.pick_goal() {
                    self.verify_goal(&goal).await;
                }
            }
            Op::ListGoals => self.verify_goal_listing().await,
            Op::CreateGoal if self.model.live_goals().count() >= 8 => self.patch_goal(Patch::Exact).await,
            Op::CreateGoal => self.create_goal().await,
            Op::PatchExact => self.patch_goal(Patch::Exact).await,
            Op::PatchBlind => self.patch_goal(Patch::Blind).await,
            Op::PatchStale => self.patch_goal(Patch::Stale).await,
            Op::DeleteGoal if self.model.live_goals().count() >= 3 => self.delete_goal().await,
            Op::DeleteGoal => self.create_goal().await,
            Op::ProgressKeyed => self.post_progress(true).await,
            Op::ProgressUnkeyed => self.post_progress(false).await,
            Op::ProgressBurst => self.progress_burst().await,
            Op::ProgressInvalid => self.invalid_progress().await,
            Op::ProgressKeyReused => self.reused_key().await,
            Op::ListProgress => {
                if let Some(goal) = self.pick_goal() {
                    self.verify_entries(&goal).await;
                }
            }
            Op::Stats => self.verify_stats(None).await,
            Op::Attachment => self.attachment().await,
            Op::Notifications => self.notifications().await,
            Op::Profile => self.verify_profile().await,
            Op::Refresh => self.refresh_tokens().await,
            Op::Logout => self.logout(false).await,
            Op::LogoutAll => self.logout(true).await,
            Op::ChangePassword => self.change_password().await,
            Op::Export => self.export().await,
            Op::DeleteAttachment => self.delete_attachment().await,
            Op::DeleteAccount if self.may_leave() => self.delete_account().await,
            Op::DeleteAccount => self.verify_profile().await,
        }
    }

    /// A live goal's id, drawn at random.
    pub(super) fn pick_goal(&mut self) -> Option<String> {
        let live: Vec<String> = self.model.live_goals().map(|goal| goal.id.clone()).collect();
        self.rng.choice(live)
    }

    /// A fresh marker: unique in the run, naming the seed, the user and
    /// what it marks.
    pub(super) fn marker(&mut self, kind: char) -> String {
        self.next += 1;
        format!("soak-{}-u{}-{kind}{}", self.shared.seed, self.model.index, self.next)
    }

    /// The findings.
    pub(super) fn findings(&self) -> &Findings {
        &self.shared.findings
    }

    /// Waits a moment before trying again (the server may be restarting).
    pub(super) async fn pause(&mut self) {
        let wait = self.rng.u64(200..=400);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }

    /// Whether it is too late to keep trying.
    pub(super) fn given_up(&self) -> bool {
        Instant::now() >= self.give_up_at
    }

    /// The calendar day of `at` in the user's time zone, as the server
    /// counts it.
    pub(super) fn local_day(&self, at: DateTime<Utc>) -> NaiveDate {
        let tz = match &self.profile {
            Some(profile) => profile.time_zone(),
            None => api_handler::domain::profile::time_zone(None),
        };
        api_handler::domain::stats::local_date(at, tz)
    }

    /// Sends `request` with the access token; a 401 is counted (against the
    /// tokens' survival when the token is older than the running
    /// incarnation) and sets the user to log in again.
    pub(super) async fn authed(&mut self, request: Request) -> Sent {
        let request = request.token(&self.access);
        let sent = self.client.send(&request).await;
        self.after_authed(request.route, &sent);
        sent
    }

    /// The token bookkeeping of an authenticated exchange's outcome.
    pub(super) fn after_authed(&mut self, route: &str, sent: &Sent) {
        let Ok(reply) = sent else {
            return;
        };
        let current = self.shared.incarnation.load(Ordering::Relaxed);
        let older = self.token_incarnation < current;
        if reply.status == 401 {
            self.relogin = true;
            let example = format!(
                "{route}: 401 for user {} with a token of incarnation {} (running: {current}): {}",
                self.model.index,
                self.token_incarnation,
                reply.summary()
            );
            let invariant = if older {
                Invariant::TokensSurvive
            } else {
                Invariant::ExpectedStatus
            };
            self.findings().broke(invariant, example);
        } else if older {
            self.findings().held(Invariant::TokensSurvive, 1);
        }
    }

    /// Sends the request `make` builds, with the token, until it is
    /// answered (logging in again after a 401); `None` once given up. For
    /// reads and for writes that are safe to repeat.
    pub(super) async fn answered(&mut self, make: impl Fn() -> Request) -> Option<Reply> {
        let mut reauthentications = 0;
        loop {
            if self.given_up() {
                self.gave_up += 1;
                return None;
            }
            if self.relogin {
                if reauthentications >= REAUTHENTICATIONS {
                    self.gave_up += 1;
                    return None;
                }
                reauthentications += 1;
                if !self.login().await {
                    self.pause().await;
                    continue;
                }
            }
            match self.authed(make()).await {
                Ok(reply) if reply.status == 401 => continue,
                Ok(reply) => return Some(reply),
                Err(_) => self.pause().await,
            }
        }
    }

    /// Counts `reply` against the statuses `allowed` for `what`: a 5xx
    /// against the server errors, another status against the contract (a
    /// 401 was counted when it came). Whether it was allowed.
    pub(super) fn expect(&self, reply: &Reply, allowed: &[u16], what: &str) -> bool {
        if allowed.contains(&reply.status) {
            self.findings().held(Invariant::ExpectedStatus, 1);
            return true;
        }
        if reply.status == 401 {
            return false;
        }
        let example = format!(
            "{what} (user {}): answered {}, expected {allowed:?}",
            self.model.index,
            reply.summary()
        );
        let invariant = if reply.status >= 500 {
            Invariant::NoServerErrors
        } else {
            Invariant::ExpectedStatus
        };
        self.findings().broke(invariant, example);
        false
    }

    /// Counts a write whose outcome could not be found out before giving up.
    pub(super) fn unresolved(&self, what: &str) {
        self.findings().broke(
            Invariant::UnknownAllOrNothing,
            format!(
                "user {}: {what} had an unknown outcome and the server could not be asked before giving up",
                self.model.index
            ),
        );
    }

    /// Every page of a listing (a random page size), checking no item comes
    /// twice; `None` if it could not be read.
    pub(super) async fn list_all(
        &mut self,
        route: &'static str,
        path: &str,
        query: &str,
        id_field: &str,
    ) -> Option<Vec<Value>> {
        let limit = self.rng.u32(3..=25);
        let mut items: Vec<Value> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let mut target = format!("{path}?limit={limit}{query}");
            if let Some(cursor) = &cursor {
                target.push_str(&format!("&cursor={}", client::encode(cursor)));
            }
            let reply = self
                .answered(|| Request::new(route, Method::GET, target.clone()))
                .await?;
            if !self.expect(&reply, &[200], route) {
                return None;
            }
            let page = reply.json();
            for item in page["items"].as_array().into_iter().flatten() {
                let id = item[id_field].as_str().unwrap_or_default().to_owned();
                if !seen.insert(id.clone()) {
                    self.findings()
                        .broke(Invariant::Listings, format!("{route}: {id} listed twice ({target})"));
                }
                items.push(item.clone());
            }
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => {
                    self.findings().held(Invariant::Listings, 1);
                    return Some(items);
                }
            }
        }
        None
    }
}
