//! `cargo xtask terraform`: `terraform/` validated by Terraform itself with
//! the real `hashicorp/aws` provider, from a local provider mirror (these
//! machines cannot download providers), in a scratch copy under
//! `target/terraform/`; two broken copies (a misspelt argument, a reference
//! to nothing) that must fail, so the check is known to check; then, given
//! moto, both deploy phases applied against it: phase 1 (no Lambda) and
//! phase 3 (the Lambda on a made-up image tag, its routes, schedules and
//! event source).
//!
//! Where `terraform` or the mirror is missing, the step says so and is
//! skipped. The scratch copies differ from `terraform/` as
//! [`WORKAROUNDS`] and [`MOTO_GAPS`] list.

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

/// How the copy applied to moto differs further, for what moto 5.2.5 lacks.
///
/// - moto never reports a queue's `RedriveAllowPolicy` back, so the
///   provider waits for it for ever: the dead-letter queue's redrive-allow
///   policy is left out (`messaging.tf`).
const MOTO_GAPS: [(&str, &str, &str); 1] = [(
    "messaging.tf",
    "resource \"aws_sqs_queue_redrive_allow_policy\" \"notifications_dlq\" {\n  queue_url = aws_sqs_queue.notifications_dlq.id\n\n  redrive_allow_policy = jsonencode({\n    redrivePermission = \"byQueue\"\n    sourceQueueArns   = [aws_sqs_queue.notifications.arn]\n  })\n}\n",
    "",
)];

/// The image tag phase 3 deploys: no image by it exists, and against moto
/// none needs to.
const MOTO_IMAGE_TAG: &str = "0000000moto";

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

/// The `terraform` binary, set up to install providers from the mirror.
struct Terraform {
    /// The binary.
    program: PathBuf,
    /// The CLI configuration pointing at the mirror.
    cli_config: PathBuf,
    /// The scratch folder the copies go in (`target/terraform`).
    work: PathBuf,
    /// The provider mirror.
    mirror: PathBuf,
}

impl Terraform {
    /// Terraform with a CLI configuration installing providers from the
    /// mirror, or `None` (having said why) when terraform or the mirror is
    /// missing; `step` names what would be skipped.
    fn find(step: &str) -> anyhow::Result<Option<Terraform>> {
        let Some(program) = find_on_path("terraform") else {
            eprintln!("SKIPPED terraform {step}: no `terraform` on PATH (install Terraform 1.10 or newer)");
            return Ok(None);
        };
        let Some(mirror) = find_mirror() else {
            eprintln!(
                "SKIPPED terraform {step}: no provider mirror holding hashicorp/aws in {} (set TF_PROVIDER_MIRROR)",
                MIRRORS.join(" or ")
            );
            return Ok(None);
        };
        let work = project_root().join("target").join("terraform");
        std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
        let cli_config = work.join("cli.tfrc");
        let config = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n",
            mirror.display().to_string()
        );
        std::fs::write(&cli_config, config).with_context(|| format!("cannot write {}", cli_config.display()))?;
        Ok(Some(Terraform {
            program,
            cli_config,
            work,
            mirror,
        }))
    }

    /// Runs `terraform args` in `dir` with the mirror's CLI config (and, with
    /// `data`, the providers another copy installed in its `.terraform`):
    /// whether it succeeded, and what it printed.
    fn run(&self, dir: &Path, args: &[&str], data: Option<&Path>) -> anyhow::Result<(bool, String)> {
        let mut command = Command::new(&self.program);
        if let Some(data) = data {
            command.env("TF_DATA_DIR", data);
        }
        // Options before arguments: `-no-color` goes right after the command.
        let (subcommand, rest) = args.split_first().map_or(("", &[][..]), |(first, rest)| (*first, rest));
        let output = command
            .arg(subcommand)
            .arg("-no-color")
            .args(rest)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
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
}

/// Validates `terraform/`, and fails the broken copies.
pub(crate) fn validate() -> anyhow::Result<()> {
    let Some(terraform) = Terraform::find("validate")? else {
        return Ok(());
    };

    let valid = terraform.work.join("valid");
    scratch_copy(&valid, [])?;
    let (ok, output) = terraform.run(&valid, &["init", "-backend=false", "-input=false"], None)?;
    ensure!(ok, "terraform init failed:\n{output}");
    let (ok, output) = terraform.run(&valid, &["validate"], None)?;
    ensure!(ok, "terraform validate failed:\n{output}");
    eprintln!(
        "terraform validate: terraform/ is valid with the aws provider from {}",
        terraform.mirror.display()
    );

    for (index, (file, from, to, expected)) in BROKEN.iter().enumerate() {
        let broken = terraform.work.join(format!("broken-{index}"));
        scratch_copy(&broken, [(*file, *from, *to)])?;
        // The providers the valid copy installed serve the broken ones too.
        std::fs::copy(valid.join(".terraform.lock.hcl"), broken.join(".terraform.lock.hcl"))
            .context("cannot copy the provider lock file")?;
        let (ok, output) = terraform.run(&broken, &["validate"], Some(&valid.join(".terraform")))?;
        ensure!(
            !ok && output.contains(expected),
            "terraform validate did not refuse `{to}` in {file} with \"{expected}\":\n{output}"
        );
        eprintln!("terraform validate refuses `{}` ({expected})", to.trim());
    }
    Ok(())
}

/// Applies deploy phase 1 and phase 3 to the moto at `endpoint`, in a
/// fresh scratch copy with local state; returns the applied API's id, or
/// `None` when terraform or the mirror is missing (having said so).
pub(crate) fn apply_to_moto(endpoint: &str) -> anyhow::Result<Option<String>> {
    let Some(terraform) = Terraform::find("apply")? else {
        return Ok(None);
    };
    let dir = terraform.work.join("moto");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    scratch_copy(&dir, MOTO_GAPS)?;
    let services = [
        "apigatewayv2",
        "cloudwatch",
        "cognitoidp",
        "dynamodb",
        "ecr",
        "events",
        "iam",
        "kms",
        "lambda",
        "logs",
        "s3",
        "sns",
        "sqs",
        "sts",
    ];
    let endpoints: String = services
        .iter()
        .map(|service| format!("    {service} = {endpoint:?}\n"))
        .collect();
    let override_tf = format!(
        "# moto at {endpoint}, with made-up credentials; state kept locally.\n\
         terraform {{\n  backend \"local\" {{}}\n}}\n\n\
         provider \"aws\" {{\n  region                      = \"us-east-1\"\n  access_key                  = \"test\"\n  \
         secret_key                  = \"test\"\n  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  \
         skip_requesting_account_id  = true\n  s3_use_path_style           = true\n\n  endpoints {{\n{endpoints}  }}\n}}\n"
    );
    let path = dir.join("moto_override.tf");
    std::fs::write(&path, override_tf).with_context(|| format!("cannot write {}", path.display()))?;

    let (ok, output) = terraform.run(&dir, &["init", "-input=false"], None)?;
    ensure!(ok, "terraform init (moto) failed:\n{output}");
    let tag = format!("-var=image_tag={MOTO_IMAGE_TAG}");
    let phases: [(&str, &[&str]); 2] = [
        ("1", &["-var=deploy_lambda=false"]),
        ("3", &["-var=deploy_lambda=true", &tag]),
    ];
    for (phase, vars) in phases {
        let mut args = vec!["apply", "-auto-approve", "-input=false"];
        args.extend(vars);
        eprintln!("$ terraform {} (phase {phase}, against moto)", args.join(" "));
        let (ok, output) = terraform.run(&dir, &args, None)?;
        ensure!(ok, "terraform apply of phase {phase} against moto failed:\n{output}");
    }
    let (ok, deployed) = terraform.run(&dir, &["output", "-raw", "deployed_image_tag"], None)?;
    ensure!(
        ok && deployed.trim() == MOTO_IMAGE_TAG,
        "after phase 3, deployed_image_tag is not the deployed image's tag `{MOTO_IMAGE_TAG}`: {deployed}"
    );
    let (ok, api_id) = terraform.run(&dir, &["output", "-raw", "api_id"], None)?;
    ensure!(ok, "terraform output api_id failed: {api_id}");
    eprintln!(
        "terraform apply: both deploy phases applied against moto (API {})",
        api_id.trim()
    );
    Ok(Some(api_id.trim().to_owned()))
}

/// `terraform/*.tf` copied to `dir` (emptied first, but for the installed
/// providers), with [`WORKAROUNDS`] and `extra` applied.
fn scratch_copy<'a>(
    dir: &Path,
    extra: impl IntoIterator<Item = (&'a str, &'a str, &'a str)> + Clone,
) -> anyhow::Result<()> {
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
        let edits = WORKAROUNDS.iter().copied().chain(extra.clone());
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
