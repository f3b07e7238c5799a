//! `cargo xtask provision --endpoint URL [--prefix NAME]`: creates the aws
//! backend's resources in an emulator (the shapes `terraform/` defines) and
//! prints the environment the server needs as `KEY=VALUE` lines on stdout.

use anyhow::Context;
use api_handler::store::aws::provision;

/// The region resources are created in.
const REGION: &str = "us-east-1";
/// The default name prefix of every resource.
pub(crate) const DEFAULT_PREFIX: &str = "lifestyle";

/// Provisions into the emulator at `endpoint` and prints the environment.
pub(crate) fn run(endpoint: &str, prefix: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    let settings = runtime.block_on(async {
        let sdk = provision::emulator_sdk_config(endpoint, REGION).await;
        provision::provision(&sdk, REGION, Some(endpoint), prefix, provision::random_secret()).await
    });
    let settings = settings
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("provisioning into {endpoint} failed"))?;
    for line in provision::env_lines(&settings) {
        println!("{line}");
    }
    Ok(())
}
