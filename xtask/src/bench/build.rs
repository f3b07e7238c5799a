//! What a developer waits for: `cargo xtask gen-routes`, and the rebuild
//! after editing one handler file.

use std::fs::File;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;

use crate::util::{self, project_root};

/// The handler file "edited" (its modification time moved to now).
const HANDLER: &str = "api-handler/src/routes/get_goal.rs";

/// Wall time of `cargo xtask gen-routes --check` with everything built.
pub(crate) fn gen_routes() -> anyhow::Result<Duration> {
    util::cargo(&["build", "--package", "xtask"])?;
    let started = Instant::now();
    util::cargo(&["xtask", "gen-routes", "--check"])?;
    Ok(started.elapsed())
}

/// Wall time of the dev build of the binary after [`HANDLER`] changes,
/// everything else built already.
pub(crate) fn rebuild_after_one_handler() -> anyhow::Result<Duration> {
    let build = ["build", "--package", "api-handler", "--bin", "api-handler"];
    util::cargo(&build)?;
    let path = project_root().join(HANDLER);
    File::options()
        .append(true)
        .open(&path)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .with_context(|| format!("cannot touch {HANDLER}"))?;
    let started = Instant::now();
    util::cargo(&build)?;
    Ok(started.elapsed())
}
