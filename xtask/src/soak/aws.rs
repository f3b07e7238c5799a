//! The aws backend of the soak: moto from the tools venv with fresh
//! resources (the shapes `terraform/` defines), the server's environment
//! pointing every client at the fault proxy in front of it, and the
//! adapters the drain reads through, straight to moto.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use api_handler::store::aws::provision;
use api_handler::store::aws::{AwsSettings, dead_letters, open};

use super::drain::Store;
use crate::moto::Moto;
use crate::{provision as provisioning, tools};

/// The region of the resources.
const REGION: &str = "us-east-1";
/// The queue's visibility timeout: provisioning leaves SQS's default, and
/// the local server's receives do not change it.
const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// moto with the run's resources in it.
pub(super) struct Emulator {
    /// The running moto, stopped when dropped.
    moto: Moto,
    /// The resources, with moto's own endpoint.
    settings: AwsSettings,
}

impl Emulator {
    /// Starts moto and provisions the resources of a fresh prefix.
    pub(super) fn start() -> anyhow::Result<Emulator> {
        let venv = tools::venv()?;
        let moto = Moto::start(&venv, 0)?;
        let prefix = format!("soak{}", std::process::id());
        let settings = provisioning::provision_into(&moto.endpoint, &prefix)?;
        Ok(Emulator { moto, settings })
    }

    /// moto's endpoint.
    pub(super) fn endpoint(&self) -> &str {
        &self.moto.endpoint
    }

    /// The server's environment, every client sent to `proxy`.
    pub(super) fn server_env(&self, proxy: &str) -> Vec<(String, String)> {
        let mut settings = self.settings.clone();
        settings.endpoint_url = Some(proxy.to_owned());
        provisioning::env_pairs(&settings)
    }

    /// The adapters the drain reads through, straight to moto (no faults).
    pub(super) async fn store(&self) -> anyhow::Result<Store> {
        let sdk = provision::emulator_sdk_config(self.endpoint(), REGION).await;
        let backend = open(&self.settings, &sdk)
            .map_err(anyhow::Error::msg)
            .context("cannot open the aws backend on moto")?;
        let letters = dead_letters(&self.settings, &sdk)
            .await
            .map_err(anyhow::Error::msg)
            .context("cannot open the dead-letter queue on moto")?;
        Ok(Store {
            backend,
            dead_letters: Arc::new(letters),
            visibility: VISIBILITY_TIMEOUT,
        })
    }
}
