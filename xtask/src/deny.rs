//! `cargo xtask deny`: cargo-deny's licence, ban and source checks
//! (`deny.toml`) over both workspaces' dependency graphs, this one and
//! `examples/minimal/` (its own `Cargo.lock`).
//!
//! The crates are fetched from crates.io first (`cargo fetch --locked`, every
//! platform's, as `cargo metadata` needs them); cargo-deny itself then runs
//! `--frozen`: no network, so neither the RustSec advisory database nor
//! anything else is fetched. Advisories are checked on GitHub, where that
//! database can be fetched (the `advisories` job of
//! `.github/workflows/ci.yml`, with the same cargo-deny version).

use std::process::Command;

use anyhow::{Context, bail};

use crate::tools;
use crate::util::{self, project_root};

/// The pinned cargo-deny, `cargo install`ed into `target/tools` when missing.
/// `.github/workflows/ci.yml` pins the same version (`CARGO_DENY_VERSION`).
const CARGO_DENY_VERSION: &str = "0.20.2";
/// The manifests of the two workspaces, relative to the project root.
const WORKSPACES: [&str; 2] = ["Cargo.toml", "examples/minimal/Cargo.toml"];
/// The policy, for both workspaces, relative to the project root.
const CONFIG: &str = "deny.toml";

/// `cargo deny check licenses bans sources` over both workspaces, offline.
pub(crate) fn run() -> anyhow::Result<()> {
    let deny = tools::cargo_installed("cargo-deny", CARGO_DENY_VERSION, "the supply-chain checks")?;
    let root = project_root();
    for manifest in WORKSPACES {
        util::cargo(&["fetch", "--locked", "--manifest-path", manifest])?;
        let args = [
            "--frozen",
            "--manifest-path",
            manifest,
            "--config",
            CONFIG,
            "check",
            // A duplicate's versions, not the paths to each: `cargo tree -i` shows those.
            "--hide-inclusion-graph",
            "licenses",
            "bans",
            "sources",
        ];
        eprintln!("$ cargo deny {}", args.join(" "));
        let status = Command::new(&deny)
            .args(args)
            .current_dir(&root)
            .status()
            .with_context(|| format!("cannot run {}", deny.display()))?;
        if !status.success() {
            bail!(
                "cargo deny found a licence, a crate or a source {CONFIG} does not allow in {manifest} \
                 ({status}; see above; `cargo tree -i CRATE` shows what brings a crate in)"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_checks_advisories_with_the_same_cargo_deny() {
        let ci = util::read(&project_root().join(".github/workflows/ci.yml")).expect("ci.yml");
        let pin = format!("CARGO_DENY_VERSION: {CARGO_DENY_VERSION}\n");
        assert!(ci.contains(&pin), "ci.yml should pin `{}`", pin.trim_end());
    }
}
