//! `cargo xtask fmt [--check]`: rustfmt over every Rust file in the workspace.
//!
//! `cargo fmt` only follows `mod` declarations, so it never sees the route
//! files `route_framework::modules!()` declares, nor trybuild fixtures. This walks the tree instead and hands every `.rs` file to rustfmt
//! (which reads `rustfmt.toml`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::util::project_root;

/// Folders never walked: build output, VCS data, local data.
const SKIPPED: [&str; 3] = ["target", ".git", ".data"];

/// Formats every Rust file, or with `check` fails listing those that are not formatted.
pub(crate) fn run(check: bool) -> anyhow::Result<()> {
    let root = project_root();
    let mut files = Vec::new();
    collect(&root, &mut files)?;
    files.sort();
    let rustfmt = rustfmt_command();
    eprintln!(
        "$ rustfmt --edition 2024{} <{} files>",
        if check { " --check" } else { "" },
        files.len()
    );
    let mut command = Command::new(&rustfmt);
    command.current_dir(&root).args(["--edition", "2024"]);
    if check {
        command.arg("--check");
    }
    let status = command
        .args(&files)
        .status()
        .with_context(|| format!("cannot run `{}`", rustfmt.display()))?;
    if !status.success() {
        bail!("some Rust files are not rustfmt-clean (diff above); run `cargo xtask fmt` to format them");
    }
    Ok(())
}

/// Every `.rs` file under `dir`, outside the [`SKIPPED`] folders.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        if SKIPPED.iter().any(|skipped| name == *skipped) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// `rustfmt` beside the running `cargo` (the same toolchain), else from `PATH`.
pub(crate) fn rustfmt_command() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .and_then(|cargo| cargo.parent().map(|dir| dir.join("rustfmt")))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("rustfmt"))
}
