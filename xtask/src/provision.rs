//! `cargo xtask provision --endpoint URL [--prefix NAME]`: creates the aws
//! backend's resources in an emulator (the shapes `terraform/` defines) and
//! prints the environment the server needs as `KEY=VALUE` lines on stdout.
//! Contract fuzzing on the aws backend uses the same steps.

use anyhow::Context;
use api_handler::store::aws::{AwsSettings, provision};

/// The region resources are created in.
const REGION: &str = "us-east-1";
/// The default name prefix of every resource.
pub(crate) const DEFAULT_PREFIX: &str = "lifestyle";

/// Provisions into the emulator at `endpoint` and prints the environment.
pub(crate) fn run(endpoint: &str, prefix: &str) -> anyhow::Result<()> {
    for line in provision::env_lines(&provision_into(endpoint, prefix)?) {
        println!("{line}");
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")
}

/// Creates (or finds) the resources named after `prefix` in the emulator at `endpoint`.
pub(crate) fn provision_into(endpoint: &str, prefix: &str) -> anyhow::Result<AwsSettings> {
    runtime()?
        .block_on(async {
            let sdk = provision::emulator_sdk_config(endpoint, REGION).await;
            provision::provision(&sdk, REGION, Some(endpoint), prefix, provision::random_secret()).await
        })
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("provisioning into {endpoint} failed"))
}

/// The server's environment for `settings`, as pairs.
pub(crate) fn env_pairs(settings: &AwsSettings) -> Vec<(String, String)> {
    provision::env_lines(settings)
        .into_iter()
        .filter_map(|line| {
            line.split_once('=')
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Confirms `email`'s account in the emulator's pool, as an administrator.
pub(crate) fn confirm(settings: &AwsSettings, email: &str) -> anyhow::Result<()> {
    let endpoint = settings.endpoint_url.as_deref().context("an emulator endpoint")?;
    runtime()?
        .block_on(async {
            let sdk = provision::emulator_sdk_config(endpoint, REGION).await;
            provision::confirm_user(&sdk, &settings.user_pool_id, email).await
        })
        .map_err(anyhow::Error::msg)
}
