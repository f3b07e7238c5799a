//! `cargo xtask dlq`: the dead-letter queue, looked at and emptied.
//!
//! - `list`: every dead letter, one line each: id, type, event id, user,
//!   receive count, when it was sent, and its last failure reason.
//! - `show ID`: one, whole, with its body.
//! - `redrive ID…` or `redrive --all`: back to the queue for one more
//!   delivery, deduplication id kept.
//!
//! On the embedded backend (default) of `--data-dir DIR` (default `.data`),
//! or with `--backend aws` on the resources the server's environment names
//! (`AWS_REGION`, `NOTIFICATIONS_QUEUE_URL`, `USERS_TABLE_NAME`, …;
//! `AWS_ENDPOINT_URL` for an emulator such as moto).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use api_handler::store::aws::{self, AwsSettings, CredentialSource, provision};
use api_handler::store::ports::{DeadLetter, DeadLetters};
use chrono::Utc;

/// Usage of `cargo xtask dlq`.
pub(crate) const USAGE: &str =
    "cargo xtask dlq [--backend embedded|aws] [--data-dir DIR] list | show ID | redrive (--all | ID…)";

/// Runs `cargo xtask dlq` with `args` (after `dlq`).
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let mut backend = "embedded";
    let mut data_dir = PathBuf::from(api_handler::settings::DEFAULT_DATA_DIR);
    let mut rest = args;
    loop {
        match rest {
            ["--backend", name, tail @ ..] => (backend, rest) = (name, tail),
            ["--data-dir", dir, tail @ ..] => (data_dir, rest) = (PathBuf::from(dir), tail),
            _ => break,
        }
    }
    let command = match rest {
        ["list"] => Command::List,
        ["show", id] => Command::Show(id),
        ["redrive", "--all"] => Command::RedriveAll,
        ["redrive", ids @ ..] if !ids.is_empty() => Command::Redrive(ids),
        _ => bail!("usage: {USAGE}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    runtime.block_on(async {
        let queue = open(backend, &data_dir).await?;
        match command {
            Command::List => {
                let letters = queue.list().await?;
                println!("{} dead letter(s)", letters.len());
                for letter in &letters {
                    println!("{}", line(letter));
                }
                Ok(())
            }
            Command::Show(id) => {
                let letters = queue.list().await?;
                let letter = letters
                    .iter()
                    .find(|letter| letter.id == id)
                    .with_context(|| format!("no dead letter `{id}`"))?;
                print!("{}", details(letter));
                Ok(())
            }
            Command::RedriveAll => {
                let ids: Vec<String> = queue.list().await?.into_iter().map(|letter| letter.id).collect();
                redrive(queue.as_ref(), &ids).await
            }
            Command::Redrive(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
                redrive(queue.as_ref(), &ids).await
            }
        }
    })
}

/// What `cargo xtask dlq` was asked to do.
enum Command<'a> {
    /// Print every dead letter.
    List,
    /// Print one.
    Show(&'a str),
    /// Move every one back.
    RedriveAll,
    /// Move these back.
    Redrive(&'a [&'a str]),
}

/// The dead-letter queue of `backend`.
async fn open(backend: &str, data_dir: &std::path::Path) -> anyhow::Result<Arc<dyn DeadLetters>> {
    match backend {
        "embedded" => api_handler::store::embedded::dead_letters(data_dir).map_err(anyhow::Error::msg),
        "aws" => {
            let settings = AwsSettings::from_env(|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?;
            let sdk = match &settings.endpoint_url {
                Some(endpoint) => provision::emulator_sdk_config(endpoint, &settings.region).await,
                None => aws::sdk_config(&settings.region, None, CredentialSource::Chain).await,
            };
            let queue = aws::dead_letters(&settings, &sdk).await.map_err(anyhow::Error::msg)?;
            Ok(Arc::new(queue))
        }
        other => bail!("unknown backend `{other}`: expected `embedded` or `aws`"),
    }
}

/// Moves each of `ids` back; fails, after trying them all, if any could not be.
async fn redrive(queue: &dyn DeadLetters, ids: &[String]) -> anyhow::Result<()> {
    let mut failed = 0;
    for id in ids {
        match queue.redrive(id, Utc::now()).await {
            Ok(()) => println!("{id}: back in the queue"),
            Err(err) => {
                failed += 1;
                println!("{id}: not moved: {err}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} dead letter(s) not moved", ids.len());
    }
    println!("{} dead letter(s) back in the queue", ids.len());
    Ok(())
}

/// A dead letter's id, type, event id, user, receive count and send time,
/// as printed.
fn fields(letter: &DeadLetter) -> [String; 6] {
    [
        letter.id.clone(),
        letter.event_type.clone().unwrap_or_else(|| "?".to_owned()),
        letter.event_id.clone().unwrap_or_else(|| "?".to_owned()),
        letter.user_id.clone().unwrap_or_else(|| "?".to_owned()),
        letter.receive_count.to_string(),
        letter.sent_at.map_or_else(|| "?".to_owned(), |at| at.to_rfc3339()),
    ]
}

/// One dead letter on one line.
fn line(letter: &DeadLetter) -> String {
    let [id, kind, event, user, received, sent] = fields(letter);
    let failure = letter.last_failure.as_ref().map_or_else(
        || "(no failure kept)".to_owned(),
        |failure| format!("{}: {}", failure.consumer, failure.reason),
    );
    format!("{id}  {kind}  event {event}  user {user}  received {received}×  sent {sent}  last failure {failure}")
}

/// One dead letter, every field on its own line, and its body.
fn details(letter: &DeadLetter) -> String {
    let [id, kind, event, user, received, sent] = fields(letter);
    let body = serde_json::from_str::<serde_json::Value>(&letter.body)
        .and_then(|body| serde_json::to_string_pretty(&body))
        .unwrap_or_else(|_| letter.body.clone());
    let failure = letter.last_failure.as_ref();
    let consumer = failure.map_or("?", |failure| failure.consumer.as_str());
    let reason = failure.map_or("(none kept)", |failure| failure.reason.as_str());
    let at = failure.map_or_else(|| "?".to_owned(), |failure| failure.at.to_rfc3339());
    format!(
        "id:            {id}\ntype:          {kind}\nevent id:      {event}\nuser:          {user}\n\
         received:      {received}×\nsent:          {sent}\nfailed in:     {consumer}\n\
         last failure:  {reason}\nfailed at:     {at}\nbody:\n{body}\n"
    )
}

#[cfg(test)]
mod tests {
    use api_handler::store::ports::LastFailure;

    use super::*;

    #[test]
    fn a_dead_letter_is_one_line_with_its_last_failure() {
        let mut letter = DeadLetter {
            id: "7".to_owned(),
            event_type: Some("goal.completed".to_owned()),
            event_id: Some("01EVENT".to_owned()),
            user_id: Some("01USER".to_owned()),
            receive_count: 5,
            sent_at: chrono::DateTime::from_timestamp(1_800_000_000, 0),
            last_failure: Some(LastFailure {
                consumer: "goal_completed".to_owned(),
                reason: "the inbox is broken".to_owned(),
                at: Utc::now(),
            }),
            body: r#"{"eventId":"01EVENT"}"#.to_owned(),
        };
        assert_eq!(
            line(&letter),
            "7  goal.completed  event 01EVENT  user 01USER  received 5×  sent 2027-01-15T08:00:00+00:00  \
             last failure goal_completed: the inbox is broken"
        );
        assert!(details(&letter).contains("body:\n{\n  \"eventId\": \"01EVENT\"\n}"));
        letter.last_failure = None;
        assert!(line(&letter).ends_with("last failure (no failure kept)"));
    }
}
