//! The SDK's HTTPS client for the Lambda: the same rustls client, without
//! loading the system's root certificates while the SDK clients are built.
//!
//! smithy's client loads them in `validate_base_client_config`, on purpose,
//! to take the cost off the first request. A Lambda answers many requests
//! (`GET /health`, any 4xx) without calling AWS, so here that cost moves to
//! the first call instead, out of every cold start.

use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
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

/// The rustls (aws-lc) HTTPS client, connectors built on first use.
pub(crate) fn https_on_first_request() -> SharedHttpClient {
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .build_https();
    SharedHttpClient::new(OnFirstRequest(client))
}
