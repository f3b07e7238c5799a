//! `cargo xtask terraform`: `terraform/` validated by Terraform itself with
//! the real `hashicorp/aws` provider, from a local provider mirror (these
//! machines cannot download providers), in a scratch copy under
//! `target/terraform/`; and two broken copies (a misspelt argument, a
//! reference to nothing) that must fail, so the check is known to check.
//!
//! Where `terraform` or the mirror is missing, the step says so and is
//! skipped. The scratch copy differs from `terraform/` in one way, listed in
//! [`WORKAROUNDS`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, ensure};

use crate::util::{project_root, read};

/// Where a provider mirror may be: `$TF_PROVIDER_MIRROR`, then these.
const MIRRORS: [&str; 2] = ["/opt/tf-plugins", "/usr/share/terraform/plugins"];

/// How the scratch copy differs from `terraform/`, and why: each a file, the
/// text replaced and its replacement.
///
/// - The cursor secret comes from `hashicorp/random`, which no mirror here
///   holds: the copy makes it a `terraform_data` (built in) of the same
///   shape, so everything else is validated with the real aws provider.
const WORKAROUNDS: [(&str, &str, &str); 3] = [
    (
        "lambda.tf",
        "resource \"random_password\" \"cursor_secret\" {\n  length  = 48\n  special = false\n}",
        "resource \"terraform_data\" \"cursor_secret\" {\n  input = \"validate-only-cursor-secret\"\n}",
    ),
    (
        "lambda.tf",
        "random_password.cursor_secret.result",
        "terraform_data.cursor_secret.output",
    ),
    (
        "versions.tf",
        "    random = {\n      source  = \"hashicorp/random\"\n      version = \"~> 3.6\"\n    }\n",
        "",
    ),
];

/// Copies that must fail validation: a file, the text replaced, its
/// replacement and a piece of the error Terraform must give.
const BROKEN: [(&str, &str, &str, &str); 2] = [
    (
        "lambda.tf",
        "  memory_size   = var.lambda_memory_mb",
        "  memory_sise   = var.lambda_memory_mb",
        "Unsupported argument",
    ),
    (
        "lambda.tf",
        "NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.notifications.url",
        "NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.notification.url",
        "Reference to undeclared resource",
    ),
];

/// Validates `terraform/`, and fails the broken copies.
pub(crate) fn validate() -> anyhow::Result<()> {
    let Some(terraform) = find_on_path("terraform") else {
        eprintln!("SKIPPED terraform validate: no `terraform` on PATH (install Terraform 1.10 or newer)");
        return Ok(());
    };
    let Some(mirror) = find_mirror() else {
        eprintln!(
            "SKIPPED terraform validate: no provider mirror holding hashicorp/aws in {} (set TF_PROVIDER_MIRROR)",
            MIRRORS.join(" or ")
        );
        return Ok(());
    };
    let work = project_root().join("target").join("terraform");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let cli_config = work.join("cli.tfrc");
    let config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n",
        mirror.display().to_string()
    );
    std::fs::write(&cli_config, config).with_context(|| format!("cannot write {}", cli_config.display()))?;

    let valid = work.join("valid");
    scratch_copy(&valid, None)?;
    let (ok, output) = run(
        &terraform,
        &cli_config,
        &valid,
        &["init", "-backend=false", "-input=false"],
    )?;
    ensure!(ok, "terraform init failed:\n{output}");
    let (ok, output) = run(&terraform, &cli_config, &valid, &["validate"])?;
    ensure!(ok, "terraform validate failed:\n{output}");
    eprintln!(
        "terraform validate: terraform/ is valid with the aws provider from {}",
        mirror.display()
    );

    for (index, (file, from, to, expected)) in BROKEN.iter().enumerate() {
        let broken = work.join(format!("broken-{index}"));
        scratch_copy(&broken, Some((file, from, to)))?;
        // The providers the valid copy installed serve the broken ones too.
        std::fs::copy(valid.join(".terraform.lock.hcl"), broken.join(".terraform.lock.hcl"))
            .context("cannot copy the provider lock file")?;
        let (ok, output) = run_with_data(&terraform, &cli_config, &broken, &valid.join(".terraform"))?;
        ensure!(
            !ok && output.contains(expected),
            "terraform validate did not refuse `{to}` in {file} with \"{expected}\":\n{output}"
        );
        eprintln!("terraform validate refuses `{}` ({expected})", to.trim());
    }
    Ok(())
}

/// `terraform/*.tf` copied to `dir` (emptied first, but for the installed
/// providers), with [`WORKAROUNDS`] and `broken` applied.
fn scratch_copy(dir: &Path, broken: Option<(&str, &str, &str)>) -> anyhow::Result<()> {
    if dir.exists() {
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
            if path.extension().is_some_and(|ext| ext == "tf") {
                std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let source = project_root().join("terraform");
    for entry in std::fs::read_dir(&source).with_context(|| format!("cannot read {}", source.display()))? {
        let path = entry
            .with_context(|| format!("cannot read {}", source.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if !name.ends_with(".tf") {
            continue;
        }
        let mut text = read(&path)?;
        let edits = WORKAROUNDS.iter().copied().chain(broken);
        for (file, from, to) in edits.filter(|(file, _, _)| *file == name) {
            ensure!(
                text.contains(from),
                "terraform/{file} no longer holds `{from}`: update xtask/src/terraform.rs"
            );
            text = text.replace(from, to);
        }
        std::fs::write(dir.join(name), text).with_context(|| format!("cannot write into {}", dir.display()))?;
    }
    Ok(())
}

/// `terraform validate` in `dir` with the providers another copy installed
/// in `data` (its `.terraform`).
fn run_with_data(terraform: &Path, cli_config: &Path, dir: &Path, data: &Path) -> anyhow::Result<(bool, String)> {
    let mut command = Command::new(terraform);
    command.env("TF_DATA_DIR", data);
    output(command, cli_config, dir, &["validate"])
}

/// Runs `terraform args` in `dir` with the mirror's CLI config: whether it
/// succeeded, and what it printed.
fn run(terraform: &Path, cli_config: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<(bool, String)> {
    output(Command::new(terraform), cli_config, dir, args)
}

/// What `command args` (a `terraform`) did in `dir`.
fn output(mut command: Command, cli_config: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<(bool, String)> {
    let output = command
        .args(args)
        .arg("-no-color")
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .context("cannot run terraform")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), text))
}

/// The first mirror that holds `hashicorp/aws`.
fn find_mirror() -> Option<PathBuf> {
    let configured = std::env::var_os("TF_PROVIDER_MIRROR").map(PathBuf::from);
    configured
        .into_iter()
        .chain(MIRRORS.iter().map(PathBuf::from))
        .find(|mirror| mirror.join("registry.terraform.io/hashicorp/aws").is_dir())
}

/// `program` on `PATH`.
fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
