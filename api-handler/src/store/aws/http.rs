//! The SDK's HTTPS client: hyper and rustls with the *ring* provider (the
//! SDK's default client is fixed to aws-lc, a large C library), proxies
//! read from the environment as the default client reads them, and no root
//! certificates loaded while the SDK clients are built.
//!
//! smithy's client loads the certificates in `validate_base_client_config`,
//! on purpose, to take the cost off the first request. A Lambda answers many
//! requests (`GET /health`, any 4xx) without calling AWS, so here that cost
//! moves to the first call instead, out of every cold start.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// A client that builds its connectors (TLS configuration included) when
/// the first request needs one, and not before.
#[derive(Debug)]
struct OnFirstRequest(SharedHttpClient);

impl HttpClient for OnFirstRequest {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The HTTPS client of every SDK client, connectors built on first use.
pub(crate) fn https_on_first_request() -> SharedHttpClient {
    let client = Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(OnFirstRequest(client))
}
