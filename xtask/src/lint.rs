//! `cargo xtask lint`: the infrastructure linters, from the tools venv.
//!
//! - checkov over `terraform/` as deployed (`deploy_lambda = true`, so the
//!   Lambda, its routes and schedule are checked too, and an allowed origin,
//!   so the CORS rules are), over the Dockerfile and
//!   over the workflows: 0 failed checks; a skip is an inline
//!   `checkov:skip=ID:reason` beside what it excuses.
//! - actionlint over `.github/workflows/`, hadolint over the Dockerfile.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::tools::Venv;
use crate::util::project_root;

/// The Lambda's container image recipe, relative to the project root.
const DOCKERFILE: &str = "Dockerfile.api-handler";
/// The GitHub Actions workflows, relative to the project root.
const WORKFLOWS: &str = ".github/workflows";
/// Variables checkov evaluates `terraform/` with: the fully deployed shape
/// (the Lambda and its routes, CORS for a browser origin).
/// No tfvars is committed; this one is written under `target/` for the run.
const DEPLOYED_VARS: &str =
    "deploy_lambda = true\nimage_tag = \"checkov\"\nallowed_origins = [\"https://app.example.com\"]\n";

/// Runs every linter, failing with the first that reports anything.
pub(crate) fn run(venv: &Venv) -> anyhow::Result<()> {
    let root = project_root();
    let workflows = workflow_files(&root.join(WORKFLOWS))?;

    let vars = root.join("target/tools/deployed.tfvars");
    std::fs::write(&vars, DEPLOYED_VARS).with_context(|| format!("cannot write {}", vars.display()))?;
    let checkov = |args: &[&str]| {
        let mut command = Command::new(venv.bin("checkov"));
        // --skip-download: no Prisma Cloud calls (this network has none).
        command
            .args(["--compact", "--quiet", "--skip-download"])
            .args(args)
            .env("LOG_LEVEL", "ERROR");
        command
    };
    run_tool(
        "checkov (terraform)",
        checkov(&["--framework", "terraform", "--directory", "terraform", "--var-file"]).arg(&vars),
    )?;
    let mut files = checkov(&["--framework", "dockerfile", "github_actions", "--file", DOCKERFILE]);
    for workflow in &workflows {
        files.arg("--file").arg(workflow);
    }
    run_tool("checkov (Dockerfile, workflows)", &mut files)?;
    run_tool("actionlint", Command::new(venv.bin("actionlint")).args(&workflows))?;
    run_tool("hadolint", Command::new(venv.bin("hadolint")).arg(DOCKERFILE))?;
    Ok(())
}

/// Every `.yml` and `.yaml` file in `dir`, sorted, as paths relative to the root.
fn workflow_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let name = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            files.push(format!("{WORKFLOWS}/{name}"));
        }
    }
    if files.is_empty() {
        bail!("{} holds no workflow", dir.display());
    }
    files.sort();
    Ok(files)
}

/// Runs `command` in the project root, failing (after its own report) if it does.
fn run_tool(name: &str, command: &mut Command) -> anyhow::Result<()> {
    eprintln!("$ {name}");
    let status = command
        .current_dir(project_root())
        .status()
        .with_context(|| format!("cannot run {name} from target/tools/venv"))?;
    if !status.success() {
        bail!("{name} reported problems ({status}); fix them, or skip a check inline with its reason");
    }
    Ok(())
}
