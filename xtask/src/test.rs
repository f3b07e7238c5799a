//! `cargo xtask test` and `cargo xtask bench`.

use crate::{contract, fmt, gen_routes, util};

/// Every check CI runs: format, lints, generated files, contract fuzzing of
/// the local server, then every test suite.
pub(crate) fn run() -> anyhow::Result<()> {
    fmt::run(true)?;
    util::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    eprintln!("$ cargo xtask gen-routes --check");
    gen_routes::generate(true)?;
    eprintln!("$ cargo xtask contract");
    contract::run()?;
    // Doc tests first: the last runner summary CI reads should be a real suite.
    util::cargo(&["test", "--workspace", "--doc"])?;
    util::cargo(&["test", "--workspace", "--all-targets"])?;
    eprintln!("all checks passed");
    Ok(())
}

/// The criterion benchmarks; extra arguments go to criterion (a filter, say).
pub(crate) fn bench(extra: &[&str]) -> anyhow::Result<()> {
    let mut args = vec!["bench", "--package", "route-framework", "--bench", "dispatch", "--"];
    args.extend_from_slice(extra);
    util::cargo(&args)
}
