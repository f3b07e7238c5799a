//! Helpers shared by the commands.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use anyhow::{Context, bail};

use crate::diff;

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Makes sure the file at `path` (relative to the root) holds `contents`.
///
/// Equal (ignoring `\r`): nothing happens. Otherwise with `check` this fails
/// with a diff and the command that fixes it; without `check` it writes the file.
pub(crate) fn ensure_file_contents(command: &str, path: &Path, contents: &str, check: bool) -> anyhow::Result<()> {
    let full = project_root().join(path);
    let current = std::fs::read_to_string(&full).unwrap_or_default().replace("\r\n", "\n");
    if current == contents {
        return Ok(());
    }
    if check {
        let note = if std::env::var_os("CI").is_some() {
            format!("\nNOTE: run `cargo xtask {command}` locally and commit the updated files\n")
        } else {
            String::new()
        };
        bail!(
            "`{}` is not up to date; run `cargo xtask {command}` to update it.\n\n--- {0} (committed)\n+++ {0} (from the registry)\n{}{note}",
            path.display(),
            diff::unified(&current, contents)
        );
    }
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&full, contents).with_context(|| format!("cannot write {}", full.display()))?;
    eprintln!("updated {}", path.display());
    Ok(())
}

/// Runs `cargo <args>` in the project root, failing with the command line if it fails.
pub(crate) fn cargo(args: &[&str]) -> anyhow::Result<()> {
    cargo_with_env(args, &[])
}

/// [`cargo`] with extra environment variables.
pub(crate) fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    cargo_in(&project_root(), args, env)
}

/// `cargo <args>` in `dir` with extra environment variables, failing with
/// the command line if it fails.
pub(crate) fn cargo_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let vars: String = env.iter().map(|(name, value)| format!("{name}={value:?} ")).collect();
    let cd = if dir == project_root() {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    eprintln!("$ {cd}{vars}cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot run `{cargo}`"))?;
    if !status.success() {
        bail!("`{cd}cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The text of the file at `path`.
pub(crate) fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A child process, killed and reaped when dropped, however the step that
/// started it ends.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
