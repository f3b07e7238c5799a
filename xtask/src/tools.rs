//! The Python tools `cargo xtask test` needs (schemathesis, moto, checkov,
//! actionlint, hadolint), in one
//! ignored virtualenv, `target/tools/venv`, pinned by `xtask/tools/requirements.txt`.
//!
//! The venv is created on first use and reinstalled whenever the requirements
//! change; nothing is installed outside `target/`. Rust tools from crates.io
//! (cargo-deny, oha) are `cargo install`ed at a pinned version into
//! `target/tools/NAME-VERSION` ([`cargo_installed`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::util::{self, project_root};

/// The pinned requirements, relative to the project root.
const REQUIREMENTS: &str = "xtask/tools/requirements.txt";
/// The oldest Python the pinned tools support.
const MIN_PYTHON: (u32, u32) = (3, 11);

/// A ready virtualenv.
pub(crate) struct Venv {
    root: PathBuf,
}

impl Venv {
    /// The path of an executable the venv installed, such as `st`.
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.root.join("bin").join(name)
    }
}

/// The venv with every pinned tool installed, creating or updating it first.
pub(crate) fn venv() -> anyhow::Result<Venv> {
    let root = project_root().join("target/tools/venv");
    let requirements_path = project_root().join(REQUIREMENTS);
    let requirements = std::fs::read_to_string(&requirements_path)
        .with_context(|| format!("cannot read {}", requirements_path.display()))?;
    let stamp = root.join(".installed-requirements");
    let venv = Venv { root: root.clone() };
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == requirements) && venv.bin("python").exists() {
        return Ok(venv);
    }

    let python = find_python()?;
    if !venv.bin("python").exists() {
        eprintln!("$ {} -m venv {}", python.display(), root.display());
        run(
            Command::new(&python).args(["-m", "venv"]).arg(&root),
            "create the tools venv",
        )
        .with_context(
            || "python3 could not create a venv: install the venv module (Debian: `apt-get install python3-venv`)",
        )?;
    }
    eprintln!("$ pip install -r {REQUIREMENTS}");
    run(
        Command::new(venv.bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(&requirements_path),
        "install the pinned Python tools",
    )?;
    std::fs::write(&stamp, requirements).with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(venv)
}

/// `python3` (3.11 or newer) from `PATH`, or a message saying what to install.
fn find_python() -> anyhow::Result<PathBuf> {
    let python = PathBuf::from("python3");
    let output = Command::new(&python)
        .args(["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"])
        .output();
    let missing = || {
        format!(
            "the Python tools (schemathesis, moto, checkov) need Python {}.{} or newer as `python3` on PATH, with pip and venv \
             (Debian: `apt-get install python3 python3-venv`); none was found",
            MIN_PYTHON.0, MIN_PYTHON.1
        )
    };
    let output = match output {
        Ok(output) if output.status.success() => output,
        _ => bail!(missing()),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace().map(|part| part.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if version < MIN_PYTHON {
        bail!(
            "the Python tools (schemathesis, moto, checkov) need Python {}.{} or newer; `python3` is {}.{}: install a newer one",
            MIN_PYTHON.0,
            MIN_PYTHON.1,
            version.0,
            version.1
        );
    }
    Ok(python)
}

/// The binary `name` of the crates.io crate of the same name at exactly
/// `version`: a `name` on `PATH` that reports that version (CI installs it
/// there, where it is cached), else `target/tools/NAME-VERSION/bin/NAME`,
/// `cargo install`ed there first if missing (a new version is a new
/// directory). `what` says in the message what the tool is for.
pub(crate) fn cargo_installed(name: &str, version: &str, what: &str) -> anyhow::Result<PathBuf> {
    let on_path = Command::new(name).arg("--version").output();
    if let Ok(output) = on_path
        && output.status.success()
        && String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .any(|word| word == version)
    {
        return Ok(PathBuf::from(name));
    }
    let root = project_root().join(format!("target/tools/{name}-{version}"));
    let program = root.join("bin").join(name);
    if !program.exists() {
        eprintln!(
            "{name} {version} ({what}) is not installed: building it from crates.io into {} (once; a few minutes)",
            root.display()
        );
        let spec = format!("{name}@{version}");
        let root = root.display().to_string();
        util::cargo(&["install", &spec, "--locked", "--root", &root])?;
    }
    Ok(program)
}

/// Runs `command`, failing with `what` if it does not succeed.
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("cannot {what}"))?;
    if !status.success() {
        bail!("could not {what} ({status})");
    }
    Ok(())
}

/// Whether `path` is inside the ignored `target/` directory (a sanity check
/// before anything under it is deleted).
pub(crate) fn is_in_target(path: &Path) -> bool {
    path.starts_with(project_root().join("target"))
}

/// `dir` emptied and created: a check's fresh work directory, which must be
/// under `target/` (nothing else is ever deleted).
pub(crate) fn fresh_dir(dir: PathBuf) -> anyhow::Result<PathBuf> {
    if !is_in_target(&dir) {
        bail!("refusing to clear {}: it is not under target/", dir.display());
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
