//! `cargo xtask new`, end to end: on a copy of `examples/minimal/` outside
//! the workspace, scaffold routes of every method, a consumer and a job, see
//! the refusals refuse, then build the copy (clippy `-D warnings` too), run
//! its tests, the generated ones included, and its `gen-routes --check`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, ensure};

use super::{App, parse_args, scaffold};
use crate::example::copy_example;
use crate::fmt::rustfmt_command;
use crate::util::{cargo_in, project_root, read};

/// What the check scaffolds, as `cargo xtask new` arguments, and the file
/// each writes under `src/`.
const SCAFFOLDS: [(&[&str], &str); 7] = [
    (&["route", "POST /things/{thingId}"], "routes/create_thing.rs"),
    (&["route", "GET /things", "--public"], "routes/list_things.rs"),
    (&["route", "GET /things/{thingId}"], "routes/get_thing.rs"),
    (
        &["route", "PATCH /things/{thingId}", "--public"],
        "routes/update_thing.rs",
    ),
    (&["route", "DELETE /things/{thingId}"], "routes/delete_thing.rs"),
    (&["consumer", "thing.created"], "consumers/thing_created.rs"),
    (&["job", "cron(0 20 * * ? *)", "tidy_things"], "jobs/tidy_things.rs"),
];

/// What must be refused, with a piece of the message saying why.
const REFUSALS: [(&[&str], &str); 7] = [
    (
        &["route", "POST /things/{thingId}", "--name", "other"],
        "has the route `POST /things/{thingId}`",
    ),
    (
        &["route", "PUT /things/{thingId}", "--name", "create_thing"],
        "create_thing.rs exists",
    ),
    (&["route", "GET /notes"], "has the route `GET /notes`"),
    (&["consumer", "thing.created"], "a consumer of `thing.created`"),
    (&["job", "rate(1 hour)", "tidy_things"], "a job named `tidy_things`"),
    (&["job", "rate(1 hour)", "list_things"], "list_things.rs exists"),
    (&["route", "PUT /things/{id}"], "failed"),
];

/// The self-test: `cargo xtask new self-test`, and a step of `cargo xtask test`.
pub(crate) fn check() -> anyhow::Result<()> {
    let started = Instant::now();
    let scratch = tempfile::Builder::new()
        .prefix("scaffold-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let app_dir = scratch.path().join("minimal");
    copy_example(&app_dir)?;
    // A target directory of its own: a copy of a package shares Cargo's
    // fingerprints with every other copy laid out alike in one directory.
    let target = project_root().join("target").join("scaffold-test");
    let target = target.to_string_lossy().into_owned();
    let env = [("CARGO_TARGET_DIR", target.as_str()), ("CARGO_NET_OFFLINE", "true")];
    let app_arg = app_dir.to_string_lossy().into_owned();

    let mut scaffolded = Vec::new();
    for (args, file) in SCAFFOLDS {
        let args = [args, &["--app", &app_arg]].concat();
        eprintln!("$ cargo xtask new {}", args.join(" "));
        let (item, dir) = parse_args(&args)?;
        let written = scaffold(&App::open(&dir)?, &item, &env)?;
        let source = app_dir.join("src").join(file);
        ensure!(
            written.first() == Some(&source),
            "`new {}` wrote {written:?}, not {}",
            args.join(" "),
            source.display()
        );
        scaffolded.extend(written);
    }
    let files = tree(&app_dir)?;
    for (args, reason) in REFUSALS {
        let args = [args, &["--app", &app_arg]].concat();
        eprintln!("$ cargo xtask new {}   # refused", args.join(" "));
        let outcome = parse_args(&args).and_then(|(item, dir)| scaffold(&App::open(&dir)?, &item, &env));
        let Err(err) = outcome else {
            anyhow::bail!("`new {}` was not refused", args.join(" "));
        };
        let message = format!("{err:#}");
        ensure!(
            message.contains(reason),
            "`new {}` was refused with `{message}`",
            args.join(" ")
        );
        ensure!(tree(&app_dir)? == files, "`new {}` changed the app", args.join(" "));
        eprintln!("refused: {}", message.lines().next().unwrap_or_default());
    }

    for args in [
        &["test", "--offline"][..],
        &["clippy", "--offline", "--all-targets", "--", "-D", "warnings"],
        &["xtask", "gen-routes", "--check"],
    ] {
        cargo_in(&app_dir, args, &env)?;
    }
    let rustfmt = Command::new(rustfmt_command())
        .args(["--check", "--edition", "2024"])
        .args(&scaffolded)
        .status()
        .context("cannot run rustfmt")?;
    ensure!(rustfmt.success(), "the scaffolded files are not rustfmt-clean");
    let routes = read(&app_dir.join("terraform").join("routes.gen.tf"))?;
    let events = read(&app_dir.join("terraform").join("events.gen.tf"))?;
    for expected in ["POST /things/{thingId}", "GET /things", "DELETE /things/{thingId}"] {
        ensure!(
            routes.contains(&format!("route_key = \"{expected}\"")),
            "no {expected} in the copy's routes.gen.tf:\n{routes}"
        );
    }
    ensure!(
        events.contains("tidy_things") && events.contains("cron(0 20 * * ? *)"),
        "no tidy_things rule in the copy's events.gen.tf:\n{events}"
    );
    eprintln!(
        "cargo xtask new: 7 items scaffolded, 7 refusals, the copy's tests and checks pass ({:.0?})",
        started.elapsed()
    );
    Ok(())
}

/// Every file under `dir` (but `target/`), relative and sorted, with its bytes.
fn tree(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    walk(root, &path, files)?;
                }
            } else if let Ok(relative) = path.strip_prefix(root) {
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                files.push((relative.to_string_lossy().into_owned(), bytes));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    Ok(files)
}
