//! `cargo xtask soak`'s command line.

use std::time::Duration;

use anyhow::{Context, bail};

/// Usage of `cargo xtask soak`.
pub(crate) const USAGE: &str =
    "cargo xtask soak [--backend embedded|aws] [--minutes N | --seconds N] [--users U] [--seed S] [--record]";

/// Which backend the soak runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    /// SQLite and files in a data directory.
    Embedded,
    /// DynamoDB, Cognito, S3 and SQS on moto, behind the fault proxy.
    Aws,
}

impl Backend {
    /// Its name on the command line and in the report.
    pub(super) fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Aws => "aws",
        }
    }
}

/// What `cargo xtask soak` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Options {
    /// The backend.
    pub(super) backend: Backend,
    /// How long the users run.
    pub(super) duration: Duration,
    /// How many users.
    pub(super) users: usize,
    /// The seed of every random choice.
    pub(super) seed: u64,
    /// Whether to write the figures into `bench/RESULTS.md`.
    pub(super) record: bool,
}

impl Options {
    /// The options `args` (after `soak`) give; the seed defaults to the
    /// clock's (printed, so that the run can be repeated).
    pub(super) fn parse(args: &[&str]) -> anyhow::Result<Options> {
        let mut options = Options {
            backend: Backend::Embedded,
            duration: Duration::from_secs(5 * 60),
            users: 50,
            seed: clock_seed(),
            record: false,
        };
        let mut timed = false;
        let mut rest = args;
        while !rest.is_empty() {
            rest = match rest {
                ["--backend", "embedded", tail @ ..] => {
                    options.backend = Backend::Embedded;
                    tail
                }
                ["--backend", "aws", tail @ ..] => {
                    options.backend = Backend::Aws;
                    tail
                }
                ["--backend", other, ..] => bail!("unknown backend `{other}`: expected `embedded` or `aws`"),
                [flag @ ("--minutes" | "--seconds"), value, tail @ ..] => {
                    if timed {
                        bail!("give one of --minutes and --seconds\n\nusage: {USAGE}");
                    }
                    timed = true;
                    let count: u64 = number(flag, value)?;
                    let seconds = if *flag == "--minutes" { count * 60 } else { count };
                    if seconds == 0 {
                        bail!("{flag} must be at least 1");
                    }
                    options.duration = Duration::from_secs(seconds);
                    tail
                }
                ["--users", value, tail @ ..] => {
                    options.users = number("--users", value)?;
                    if options.users == 0 {
                        bail!("--users must be at least 1");
                    }
                    tail
                }
                ["--seed", value, tail @ ..] => {
                    options.seed = number("--seed", value)?;
                    tail
                }
                ["--record", tail @ ..] => {
                    options.record = true;
                    tail
                }
                [other, ..] => bail!("unexpected `{other}`\n\nusage: {USAGE}"),
                [] => rest,
            };
        }
        Ok(options)
    }
}

/// `value` of `flag` as a whole number.
fn number<T: std::str::FromStr>(flag: &str, value: &str) -> anyhow::Result<T> {
    value
        .parse()
        .ok()
        .with_context(|| format!("{flag} takes a whole number, not `{value}`"))
}

/// A seed from the clock.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_is_read() {
        let options = Options::parse(&["--seconds", "60", "--users", "5", "--seed", "1", "--record"]).unwrap();
        assert_eq!(options.duration, Duration::from_secs(60));
        assert_eq!((options.users, options.seed, options.record), (5, 1, true));
        assert_eq!(options.backend, Backend::Embedded);
        let options = Options::parse(&["--backend", "aws", "--minutes", "2"]).unwrap();
        assert_eq!(
            (options.backend, options.duration),
            (Backend::Aws, Duration::from_secs(120))
        );
    }

    #[test]
    fn the_defaults_are_five_minutes_of_fifty_users() {
        let options = Options::parse(&[]).unwrap();
        assert_eq!((options.duration, options.users), (Duration::from_secs(300), 50));
    }

    #[test]
    fn mistakes_are_named() {
        let err = |args: &[&str]| Options::parse(args).unwrap_err().to_string();
        assert!(err(&["--minutes", "1", "--seconds", "5"]).contains("one of"));
        assert!(err(&["--users", "many"]).contains("whole number"));
        assert!(err(&["--backend", "mongo"]).contains("unknown backend"));
        assert!(err(&["--break"]).contains("unexpected `--break`"));
    }
}
