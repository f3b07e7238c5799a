//! The event dispatcher: messages to their consumers, schedules to their jobs.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::task::JoinSet;

use super::{DeliveryFailure, EventParts, Failure, FailureLog, Message, Outcome};
use crate::checks::{self, RegistryError};
use crate::metrics::{self, Metrics};
use crate::registry::{Consumer, Job, TaskFn};
use crate::request::SharedState;
use crate::schedule::Schedule;
use crate::signature::StateType;

/// One run of a job: which job, for what time, under which ids.
#[derive(Debug, Clone)]
pub struct JobRun {
    /// The job.
    pub job: &'static Job,
    /// The time its schedule fired for.
    pub time: DateTime<Utc>,
    /// The scheduled event's id.
    pub event_id: String,
    /// The invocation's request id.
    pub request_id: String,
}

/// Runs consumers and jobs. Cheap to share behind an `Arc`.
///
/// ```standalone_crate
/// use std::sync::{Arc, Mutex};
///
/// use route_framework::event::{EventDispatcher, JobRun, Message};
/// use route_framework::prelude::*;
///
/// /// What the consumer and the job did.
/// type Log = Arc<Mutex<Vec<String>>>;
///
/// #[derive(Deserialize, Validate)]
/// struct Completed {
///     #[garde(length(min = 1))]
///     goal: String,
/// }
///
/// /// Note a completed goal.
/// #[on_event("goal.completed")]
/// async fn completed(State(log): State<Log>, Payload(event): Payload<Completed>) {
///     log.lock().unwrap().push(event.goal);
/// }
///
/// /// Tidy up every hour.
/// #[schedule("rate(1 hour)")]
/// async fn tidy(State(log): State<Log>) {
///     log.lock().unwrap().push("tidied".to_owned());
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let log = Log::default();
/// let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), log.clone())?;
///
/// let message = |id: &str, body: &str| Message {
///     id: id.to_owned(),
///     event_type: Some("goal.completed".to_owned()),
///     event_id: None,
///     group: None,
///     sent_at: None,
///     body: body.to_owned(),
/// };
/// // `m2` does not fit `Completed`: it is to be delivered again.
/// let batch = vec![message("m1", r#"{"goal":"g1"}"#), message("m2", r#"{"goal":""}"#)];
/// assert_eq!(events.deliver(batch, "request-1").await, ["m2"]);
///
/// let job = events.job("tidy").ok_or("no job")?;
/// let run = JobRun { job, time: chrono::Utc::now(), event_id: "e1".into(), request_id: "request-2".into() };
/// events.run_job(run).await?;
/// assert_eq!(*log.lock().unwrap(), ["g1", "tidied"]);
/// # Ok(())
/// # }
/// ```
pub struct EventDispatcher {
    state: SharedState,
    consumers: HashMap<&'static str, &'static Consumer>,
    jobs: Vec<(&'static Job, Schedule)>,
    metrics: Option<Metrics>,
    failures: Option<Arc<dyn FailureLog>>,
}

impl EventDispatcher {
    /// Checks the set (one consumer per type, unique job names, schedules
    /// that parse, every consumer and job reading the state as an `S`) and
    /// builds the lookup tables; `state` reaches consumers and jobs as it
    /// reaches handlers.
    pub fn new<S: Any + Send + Sync>(
        consumers: impl IntoIterator<Item = &'static Consumer>,
        jobs: impl IntoIterator<Item = &'static Job>,
        state: S,
    ) -> Result<EventDispatcher, RegistryError> {
        let consumers: Vec<&'static Consumer> = consumers.into_iter().collect();
        let jobs: Vec<&'static Job> = jobs.into_iter().collect();
        let mut problems = match checks::validate_task_state(&consumers, &jobs, StateType::of::<S>()) {
            Ok(()) => Vec::new(),
            Err(err) => err.problems,
        };
        let mut by_type: HashMap<&'static str, &'static Consumer> = HashMap::new();
        for consumer in consumers {
            if let Some(first) = by_type.insert(consumer.event_type, consumer) {
                problems.push(format!(
                    "two consumers of `{}`: {} and {}; one consumer per event type",
                    consumer.event_type, first.origin, consumer.origin
                ));
            }
        }
        let mut scheduled: Vec<(&'static Job, Schedule)> = Vec::new();
        for job in jobs {
            if let Some((first, _)) = scheduled.iter().find(|(other, _)| other.name == job.name) {
                problems.push(format!(
                    "two jobs named `{}`: {} and {}; a job's name names its schedule, so rename one",
                    job.name, first.origin, job.origin
                ));
            }
            match Schedule::parse(job.schedule) {
                Ok(schedule) => scheduled.push((job, schedule)),
                Err(err) => problems.push(format!("{}: {err}", job.origin)),
            }
        }
        if !problems.is_empty() {
            return Err(RegistryError { problems });
        }
        Ok(EventDispatcher {
            state: Arc::new(state),
            consumers: by_type,
            jobs: scheduled,
            metrics: None,
            failures: None,
        })
    }

    /// Each delivery's and job run's line carries its metrics (see
    /// [`metrics`]): `count`, `latency_ms` and `errors` by
    /// consumer or job and outcome.
    pub fn with_metrics(mut self, metrics: Metrics) -> EventDispatcher {
        self.metrics = Some(metrics);
        self
    }

    /// Each failed delivery is also handed to `log`, to keep its reason
    /// beside the queue (see [`FailureLog`]).
    pub fn with_failure_log(mut self, log: impl FailureLog) -> EventDispatcher {
        self.failures = Some(Arc::new(log));
        self
    }

    /// The consumers, sorted by event type.
    pub fn consumers(&self) -> Vec<&'static Consumer> {
        let mut consumers: Vec<&'static Consumer> = self.consumers.values().copied().collect();
        consumers.sort_by_key(|consumer| consumer.event_type);
        consumers
    }

    /// The jobs, in the order given.
    pub fn jobs(&self) -> impl Iterator<Item = &'static Job> + '_ {
        self.jobs.iter().map(|(job, _)| *job)
    }

    /// The job named `name`.
    pub fn job(&self, name: &str) -> Option<&'static Job> {
        self.jobs().find(|job| job.name == name)
    }

    /// Delivers a batch in order and returns the ids of the messages to
    /// deliver again: those whose consumer failed or whose payload does not
    /// parse, and, after a failure, the later messages of the same FIFO
    /// group (so a group's order holds). A type nobody consumes is
    /// acknowledged and logged.
    pub async fn deliver(&self, messages: Vec<Message>, request_id: &str) -> Vec<String> {
        let mut failed = Vec::new();
        let mut held_groups: HashSet<String> = HashSet::new();
        for message in messages {
            if let Some(group) = message.group.as_ref().filter(|group| held_groups.contains(*group)) {
                tracing::info!(
                    message_id = message.id,
                    group,
                    "held back behind an earlier failure in its group"
                );
                failed.push(message.id);
                continue;
            }
            if self.deliver_one(&message, request_id).await.is_err() {
                held_groups.extend(message.group.clone());
                failed.push(message.id);
            }
        }
        failed
    }

    /// Runs the consumer of one message and logs the outcome, its metrics
    /// included: a failure with its reason and the event's id.
    async fn deliver_one(&self, message: &Message, request_id: &str) -> Outcome {
        let started = Instant::now();
        let consumer = match message.kind() {
            None => None,
            Some(kind) => match self.consumers.get(kind.as_str()) {
                Some(consumer) => Some(*consumer),
                None => {
                    // Info, not a warning: publishing a type before anything
                    // consumes it (`goal.created` today) is normal.
                    tracing::info!(
                        message_id = message.id,
                        event_type = kind,
                        "no consumer of this type: acknowledged"
                    );
                    return Ok(());
                }
            },
        };
        let outcome = match consumer {
            None => Err(Failure::new("the message has no `type` attribute and no `type` field")),
            Some(consumer) => {
                let parts = EventParts {
                    request_id: request_id.to_owned(),
                    event_id: message.event_id.clone().unwrap_or_else(|| message.id.clone()),
                    time: message.sent_at.unwrap_or_else(Utc::now),
                    state: Arc::clone(&self.state),
                };
                run_task(consumer.handler, parts, Bytes::from(message.body.clone())).await
            }
        };
        let latency_ms = metrics::elapsed_ms(started);
        let consumer = consumer.map(|consumer| consumer.origin.handler_name);
        let name = consumer.unwrap_or("-");
        let event_type = message.event_type.as_deref().unwrap_or("?");
        let event_id = message.event_id.as_deref().unwrap_or("?");
        let metrics = self.metrics.as_ref().map(|metrics| metrics.delivery.as_str());
        macro_rules! log_delivery {
            ($level:ident, $ok:literal, $($reason:tt)*) => {
                tracing::$level!(
                    $($reason)*
                    message_id = message.id,
                    event_type,
                    event_id,
                    consumer = name,
                    latency_ms,
                    kind = metrics.map(|_| "delivery"),
                    status_class = metrics.map(|_| metrics::outcome_class($ok)),
                    count = metrics.map(|_| 1_u8),
                    errors = metrics.map(|_| u8::from(!$ok)),
                    _aws = metrics,
                )
            };
        }
        match &outcome {
            Ok(()) => log_delivery!(info, true, message = "consumed",),
            Err(failure) => {
                log_delivery!(
                    error,
                    false,
                    message = "a message was not consumed; it will be delivered again",
                    error = %failure,
                );
                if let Some(log) = &self.failures {
                    log.record(DeliveryFailure {
                        message,
                        consumer,
                        reason: failure,
                    })
                    .await;
                }
            }
        }
        outcome
    }

    /// Runs one job to its end.
    pub async fn run_job(&self, run: JobRun) -> Outcome {
        let parts = EventParts {
            request_id: run.request_id,
            event_id: run.event_id,
            time: run.time,
            state: Arc::clone(&self.state),
        };
        let started = Instant::now();
        let outcome = run_task(run.job.handler, parts, Bytes::new()).await;
        let latency_ms = metrics::elapsed_ms(started);
        let metrics = self.metrics.as_ref().map(|metrics| metrics.job.as_str());
        macro_rules! log_run {
            ($level:ident, $ok:literal, $($reason:tt)*) => {
                tracing::$level!(
                    $($reason)*
                    job = run.job.name,
                    scheduled_for = %run.time,
                    latency_ms,
                    kind = metrics.map(|_| "job"),
                    status_class = metrics.map(|_| metrics::outcome_class($ok)),
                    count = metrics.map(|_| 1_u8),
                    errors = metrics.map(|_| u8::from(!$ok)),
                    _aws = metrics,
                )
            };
        }
        match &outcome {
            Ok(()) => log_run!(info, true, message = "job done",),
            Err(failure) => log_run!(error, false, message = "job failed", error = %failure,),
        }
        outcome
    }

    /// Runs every job on its schedule until the set is dropped: a rate at
    /// once and then every period, a cron at each time it names (UTC).
    pub fn spawn_schedules(self: &Arc<Self>) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        for (job, schedule) in &self.jobs {
            let (dispatcher, job, schedule) = (Arc::clone(self), *job, schedule.clone());
            tasks.spawn(async move {
                let mut next = match schedule.rate() {
                    Some(_) => Some(Utc::now()),
                    None => schedule.next_after(Utc::now()),
                };
                while let Some(time) = next {
                    let wait = (time - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait).await;
                    let id = ulid::Ulid::new().to_string();
                    let run = JobRun {
                        job,
                        time,
                        event_id: id.clone(),
                        request_id: id,
                    };
                    // A failure is logged by `run_job`; the next time retries.
                    let _ = dispatcher.run_job(run).await;
                    next = schedule.next_after(time.max(Utc::now()));
                }
            });
        }
        tasks
    }
}

/// Runs a generated adapter, turning a panic into a [`Failure`].
async fn run_task(handler: TaskFn, parts: EventParts, payload: Bytes) -> Outcome {
    match AssertUnwindSafe(handler(parts, payload)).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(_) => Err(Failure::new("panicked")),
    }
}
