//! The ports, called directly on every backend: what any adapter must do.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use api_handler::domain::events::DomainEvent;
use api_handler::domain::goal::{Category, Goal, GoalPatch, GoalStatus, NewGoal, Period, Target};
use api_handler::domain::profile::Profile;
use api_handler::domain::rules::MAX_TOTAL;
use api_handler::domain::stats::millis;
use api_handler::notifications::RecordingPublisher;
use api_handler::store::Backend;
use api_handler::store::ports::{
    IdentityError, PageRequest, Profiles, ProgressDraft, StoreError, StoreResult, TimeRange,
};
use async_trait::async_trait;
use chrono::Utc;
use common::backends::{Kind, account, contract_tests, open};
use route_framework::error::ApiError;

contract_tests!(
    goals_page_newest_first_with_continuations,
    a_stale_version_is_not_replaced,
    another_users_goal_is_not_found,
    creating_a_profile_twice_keeps_the_first,
    the_outbox_hands_out_events_until_they_are_delivered,
    accounts_are_unique_per_email_and_can_be_undone,
    an_unconfirmed_account_logs_in_only_once_confirmed,
    a_registration_whose_profile_fails_leaves_no_account,
    progress_reaches_a_target_once_per_period,
    a_total_never_passes_its_bound,
    a_tombstone_fences_every_write_of_the_users_data,
);

fn new_goal(title: &str, period: Period, target: f64) -> NewGoal {
    NewGoal {
        title: title.to_owned(),
        description: None,
        category: Category::Fitness,
        target: Target {
            value: target,
            unit: "km".to_owned(),
        },
        period,
        due_date: None,
    }
}

async fn goal(backend: &Backend, user_id: &str, title: &str, period: Period, target: f64) -> Goal {
    let goal = Goal::new(user_id, new_goal(title, period, target), millis(Utc::now()));
    backend.goals.create(&goal, &[goal.created_event()]).await.unwrap();
    goal
}

async fn goals_page_newest_first_with_continuations(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "pages@example.com").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            goal(&backend, &user, &format!("g{n}"), Period::Daily, 1.0)
                .await
                .goal_id,
        );
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = backend
            .goals
            .list(&user, None, PageRequest { limit: 2, after })
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|goal| goal.goal_id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every goal once, newest first");
    let active = backend
        .goals
        .list(
            &user,
            Some(GoalStatus::Archived),
            PageRequest { limit: 10, after: None },
        )
        .await
        .unwrap();
    assert!(active.items.is_empty() && active.next.is_none());
}

async fn a_stale_version_is_not_replaced(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "versions@example.com").await;
    let stored = goal(&backend, &user, "Run", Period::Weekly, 5.0).await;
    let rename = GoalPatch {
        title: Some("Walk".to_owned()),
        ..GoalPatch::default()
    };
    let (renamed, events) = stored.patched(rename.clone(), millis(Utc::now()));
    backend.goals.replace(&renamed, stored.version, &events).await.unwrap();
    let (again, events) = stored.patched(rename, millis(Utc::now()));
    assert_eq!(
        backend.goals.replace(&again, stored.version, &events).await,
        Err(StoreError::PreconditionFailed)
    );
    let current = backend.goals.get(&user, &stored.goal_id).await.unwrap();
    assert_eq!((current.title.as_str(), current.version), ("Walk", 2));
}

async fn another_users_goal_is_not_found(kind: Kind) {
    let (store, backend) = open(kind).await;
    let owner = account(&store, &backend, "owner@example.com").await;
    let other = account(&store, &backend, "other@example.com").await;
    let stored = goal(&backend, &owner, "Mine", Period::Once, 1.0).await;
    let not_found = Err(StoreError::NotFound("goal"));
    assert_eq!(backend.goals.get(&other, &stored.goal_id).await.map(|_| ()), not_found);
    assert_eq!(
        backend.goals.delete(&other, &stored.goal_id).await.map(|_| ()),
        not_found
    );
    let listing = backend
        .progress
        .list(
            &other,
            &stored.goal_id,
            TimeRange::default(),
            PageRequest { limit: 5, after: None },
        )
        .await;
    assert_eq!(listing.map(|_| ()), not_found);
    assert!(backend.goals.get(&owner, &stored.goal_id).await.is_ok());
}

async fn creating_a_profile_twice_keeps_the_first(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "twice@example.com").await;
    let now = millis(Utc::now());
    let first = Profile::new(&user, "twice@example.com", Some("First"), now);
    let event = DomainEvent::user_registered(&user, "twice@example.com", now);
    let events = [event];
    assert!(backend.profiles.create(first.clone(), &events).await.unwrap());
    let second = Profile::new(&user, "twice@example.com", Some("Second"), now);
    assert!(!backend.profiles.create(second, &events).await.unwrap());
    assert_eq!(backend.profiles.get(&user).await.unwrap(), first);
    let pending = backend.outbox.pending(10).await.unwrap();
    assert_eq!(pending.len(), 1, "the retry wrote no second event");
}

async fn the_outbox_hands_out_events_until_they_are_delivered(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "outbox@example.com").await;
    let stored = goal(&backend, &user, "Outbox", Period::Daily, 1.0).await;
    let pending = backend.outbox.pending(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].goal_id.as_deref(), Some(stored.goal_id.as_str()));
    assert_eq!(
        backend.outbox.pending(10).await.unwrap(),
        pending,
        "reading does not deliver"
    );

    let publisher = RecordingPublisher::default();
    let relay = api_handler::notifications::Relay::new(backend.outbox.clone(), Arc::new(publisher.clone()));
    assert_eq!(relay.run_once().await.unwrap(), 1);
    assert_eq!(relay.run_once().await.unwrap(), 0, "delivered once");
    assert_eq!(publisher.events(), pending);
    assert!(backend.outbox.pending(10).await.unwrap().is_empty());
}

async fn accounts_are_unique_per_email_and_can_be_undone(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "unique@example.com").await;
    assert_eq!(
        backend
            .identity
            .create_account("unique@example.com", "Passw0rd-1")
            .await,
        Err(IdentityError::EmailTaken)
    );
    let session = backend
        .identity
        .login("unique@example.com", "Passw0rd-1", None)
        .await
        .unwrap();
    assert_eq!(session.user_id, user);
    backend.identity.delete_account(&user).await.unwrap();
    assert_eq!(
        backend.identity.login("unique@example.com", "Passw0rd-1", None).await,
        Err(IdentityError::InvalidCredentials)
    );
    assert!(
        backend
            .identity
            .create_account("unique@example.com", "Passw0rd-2")
            .await
            .is_ok()
    );
}

async fn an_unconfirmed_account_logs_in_only_once_confirmed(kind: Kind) {
    let (_store, backend) = open(kind).await;
    let account = backend
        .identity
        .create_account("later@example.com", "Passw0rd-1")
        .await
        .unwrap();
    // Embedded accounts are confirmed at creation; Cognito's wait for the code.
    assert_eq!(account.confirmed, kind == Kind::Embedded);
    if !account.confirmed {
        // Cognito refuses an unconfirmed account's sign-in with
        // `UserNotConfirmedException` (mapped to `NotConfirmed`: the adapter's
        // `cognito_errors_map_to_the_contract`); moto 5.2.5's AdminInitiateAuth
        // does not check, so only the confirmation is exercised here.
        // moto takes any code; the code rules are Cognito's own.
        backend.identity.confirm("later@example.com", "123456").await.unwrap();
    }
    let session = backend
        .identity
        .login("later@example.com", "Passw0rd-1", None)
        .await
        .unwrap();
    assert_eq!(
        (session.user_id, session.email),
        (account.user_id, "later@example.com".to_owned())
    );
    assert_eq!(
        backend.identity.confirm("nobody@example.com", "123456").await,
        Err(IdentityError::InvalidCode),
        "an unknown email is a wrong code, not a leak"
    );
    assert_eq!(
        backend
            .identity
            .login("later@example.com", "Wrong-Passw0rd", None)
            .await,
        Err(IdentityError::InvalidCredentials)
    );
}

/// A profile store that is down.
struct DownProfiles;

#[async_trait]
impl Profiles for DownProfiles {
    async fn create(&self, _: Profile, _: &[DomainEvent]) -> StoreResult<bool> {
        Err(StoreError::Unavailable {
            reason: "profiles are down".to_owned(),
            retry_after_secs: 1,
        })
    }

    async fn get(&self, _: &str) -> StoreResult<Profile> {
        Err(StoreError::NotFound("user"))
    }

    async fn replace(&self, profile: Profile) -> StoreResult<Profile> {
        Ok(profile)
    }
}

async fn a_registration_whose_profile_fails_leaves_no_account(kind: Kind) {
    let (_store, backend) = open(kind).await;
    let mut broken = backend.clone();
    broken.profiles = Arc::new(DownProfiles);
    broken.publisher = Arc::new(RecordingPublisher::default());
    let app = api_handler::service(broken).unwrap().app;
    let registration = serde_json::from_value(serde_json::json!({
        "email": "undo@example.com", "password": "Passw0rd-1"
    }))
    .unwrap();
    let err: ApiError = api_handler::use_cases::accounts::register(&app, None, registration)
        .await
        .unwrap_err();
    assert_eq!(err.status().as_u16(), 503);
    assert_eq!(
        backend.identity.login("undo@example.com", "Passw0rd-1", None).await,
        Err(IdentityError::InvalidCredentials),
        "the account was undone"
    );

    let app = api_handler::service(backend.clone()).unwrap().app;
    let registration = serde_json::from_value(serde_json::json!({
        "email": "undo@example.com", "password": "Passw0rd-1"
    }))
    .unwrap();
    let registered = api_handler::use_cases::accounts::register(&app, None, registration)
        .await
        .unwrap();
    assert!(
        backend.profiles.get(&registered.user_id).await.is_ok(),
        "a retry succeeds"
    );
}

async fn progress_reaches_a_target_once_per_period(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "targets@example.com").await;
    let stored = goal(&backend, &user, "Daily 10", Period::Daily, 10.0).await;
    let today = Utc::now().date_naive();
    for value in [6.0, 6.0, 6.0] {
        let draft = ProgressDraft {
            value,
            note: None,
            at: millis(Utc::now()),
            day: today,
        };
        backend
            .progress
            .record(&user, &stored.goal_id, draft, None)
            .await
            .unwrap();
    }
    let current = backend.goals.get(&user, &stored.goal_id).await.unwrap();
    assert_eq!((current.progress_total, current.version), (18.0, 4));
    let reached: Vec<DomainEvent> = backend
        .outbox
        .pending(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.kind.as_str() == "goal.target_reached")
        .collect();
    assert_eq!(reached.len(), 1, "once per period");
    assert_eq!(reached[0].data["periodStart"], today.to_string());
    let rows = backend.aggregates.rows(&user, today, today).await.unwrap();
    assert_eq!(rows.totals.progress_entries, 3);
    assert_eq!(rows.days.len(), 1);
    assert_eq!((rows.days[0].value, rows.days[0].entries), (18.0, 3));
}

async fn a_total_never_passes_its_bound(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "bounds@example.com").await;
    let stored = goal(&backend, &user, "Huge", Period::Once, 1e9).await;
    let mut near = stored.clone();
    near.progress_total = MAX_TOTAL - 1.0;
    near.version += 1;
    backend.goals.replace(&near, stored.version, &[]).await.unwrap();
    let draft = |value| ProgressDraft {
        value,
        note: None,
        at: millis(Utc::now()),
        day: Utc::now().date_naive(),
    };
    assert!(matches!(
        backend.progress.record(&user, &stored.goal_id, draft(1e9), None).await,
        Err(StoreError::Refused { field: "/value", .. })
    ));
    let unchanged = backend.goals.get(&user, &stored.goal_id).await.unwrap();
    assert_eq!(
        (unchanged.progress_total, unchanged.version),
        (MAX_TOTAL - 1.0, near.version)
    );
    backend
        .progress
        .record(&user, &stored.goal_id, draft(1.0), None)
        .await
        .unwrap();
    let at_bound = backend.goals.get(&user, &stored.goal_id).await.unwrap();
    assert_eq!(at_bound.progress_total, MAX_TOTAL, "up to the bound is fine");
}

async fn a_tombstone_fences_every_write_of_the_users_data(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "gone@example.com").await;
    let now = millis(Utc::now());
    let profile = Profile::new(&user, "gone@example.com", None, now);
    assert!(backend.profiles.create(profile.clone(), &[]).await.unwrap());
    let kept = goal(&backend, &user, "kept", Period::Daily, 5.0).await;
    let deleted = [DomainEvent::user_deleted(&user, "gone@example.com", now)];
    backend.revocations.tombstone(&user, now, &deleted).await.unwrap();
    // A second deletion keeps the first one's time and writes no event.
    backend
        .revocations
        .tombstone(&user, Utc::now(), &deleted)
        .await
        .unwrap();
    let revocation = backend.revocations.get(&user).await.unwrap().unwrap();
    assert_eq!(revocation.deleted_at.map(|at| at.timestamp()), Some(now.timestamp()));
    let pending: Vec<_> = backend
        .outbox
        .pending(100)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.kind)
        .collect();
    assert_eq!(
        pending.iter().filter(|kind| kind.as_str() == "user.deleted").count(),
        1,
        "{pending:?}"
    );

    let gone = |result: StoreResult<()>| assert_eq!(result, Err(StoreError::NotFound("account")));
    let fresh = Goal::new(&user, new_goal("late", Period::Daily, 1.0), now);
    gone(backend.goals.create(&fresh, &[]).await);
    let draft = ProgressDraft {
        value: 1.0,
        note: None,
        at: now,
        day: now.date_naive(),
    };
    gone(
        backend
            .progress
            .record(&user, &kept.goal_id, draft, None)
            .await
            .map(drop),
    );
    gone(backend.profiles.replace(profile).await.map(drop));
    let facts = api_handler::domain::notification::GoalFacts {
        goal_id: kept.goal_id.clone(),
        title: kept.title.clone(),
        period: None,
        target_value: 5.0,
        target_unit: "km".to_owned(),
        total: 5.0,
    };
    let note = api_handler::domain::notification::Notification::completed("e1", &facts, now);
    gone(
        backend
            .inbox
            .add(&user, &note, chrono::Utc::now() + chrono::Duration::days(1))
            .await
            .map(drop),
    );
    // Deleting is no write to fence: the purge does it.
    assert!(backend.erasure.erase_page(&user, 100).await.unwrap() > 0);
    assert_eq!(backend.erasure.erase_page(&user, 100).await.unwrap(), 0);
    assert!(
        backend
            .revocations
            .get(&user)
            .await
            .unwrap()
            .is_some_and(|r| r.deleted_at.is_some()),
        "the tombstone stays"
    );
}
