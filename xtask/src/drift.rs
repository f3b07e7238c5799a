//! `cargo xtask drift --api-id ID [--endpoint URL]`: the deployed API
//! Gateway (HTTP API) against the route registry. Lists the API's routes
//! (`apigatewayv2 GetRoutes`, every page) and fails on any difference from
//! `api_handler::routes()`: a route added by hand (the `$default` route
//! too), a registry route that is missing, or one whose authorization
//! differs (public is `NONE`; an authenticated route is `JWT` with an
//! authorizer and the registry's scopes).
//!
//! Without `--endpoint` it talks to the real account: the default
//! credential chain and region, as `deploy.yml` runs it after phase 3. With
//! `--endpoint` it talks to an emulator (moto) with its dummy credentials.

use std::collections::BTreeMap;
use std::future::Future;

use anyhow::Context;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::{DisplayErrorContext, ProvideErrorMetadata};
use route_framework::registry::{Auth, Route};

/// The region an emulator's resources live in.
const EMULATOR_REGION: &str = "us-east-1";

/// How one deployed route is authorized, as `GetRoutes` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeployedRoute {
    /// The route key, such as `GET /goals` or `$default`.
    pub(crate) route_key: String,
    /// `NONE`, `JWT`, `AWS_IAM` or `CUSTOM` (absent: the gateway's default, `NONE`).
    pub(crate) authorization_type: Option<String>,
    /// The authorizer, for `JWT` and `CUSTOM`.
    pub(crate) authorizer_id: Option<String>,
    /// The scopes a `JWT` route requires.
    pub(crate) scopes: Vec<String>,
}

/// One difference between the registry and the deployed API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drift {
    /// Deployed, but not in the registry (added by hand in the console, say).
    AddedByHand {
        /// The route key.
        route_key: String,
        /// Its deployed authorization.
        deployed: String,
    },
    /// In the registry, but not deployed.
    Missing {
        /// The route key.
        route_key: String,
        /// The authorization the registry declares.
        expected: String,
    },
    /// Deployed with another authorization than the registry declares.
    AuthorizationDiffers {
        /// The route key.
        route_key: String,
        /// The authorization the registry declares.
        expected: String,
        /// Its deployed authorization.
        deployed: String,
    },
}

impl Drift {
    /// The route key the difference is about.
    fn route_key(&self) -> &str {
        match self {
            Drift::AddedByHand { route_key, .. }
            | Drift::Missing { route_key, .. }
            | Drift::AuthorizationDiffers { route_key, .. } => route_key,
        }
    }

    /// The table's columns: route key, difference, registry, deployed.
    fn columns(&self) -> [&str; 4] {
        match self {
            Drift::AddedByHand { route_key, deployed } => [route_key, "added by hand", "-", deployed],
            Drift::Missing { route_key, expected } => [route_key, "missing", expected, "-"],
            Drift::AuthorizationDiffers {
                route_key,
                expected,
                deployed,
            } => [route_key, "authorization differs", expected, deployed],
        }
    }
}

/// The authorization the registry declares for `auth`, as the table shows it.
fn expected_authorization(auth: &Auth) -> String {
    match auth {
        Auth::Public => "NONE".to_owned(),
        Auth::Required { scopes } => jwt_label(scopes.iter().copied()),
    }
}

/// `JWT`, with its scopes if any.
fn jwt_label<'a>(scopes: impl Iterator<Item = &'a str>) -> String {
    let scopes: Vec<&str> = scopes.collect();
    if scopes.is_empty() {
        "JWT".to_owned()
    } else {
        format!("JWT [{}]", scopes.join(", "))
    }
}

/// A deployed route's authorization, as the table shows it.
fn deployed_authorization(route: &DeployedRoute) -> String {
    match route.authorization_type.as_deref().unwrap_or("NONE") {
        "NONE" => "NONE".to_owned(),
        "JWT" => {
            let label = jwt_label(route.scopes.iter().map(String::as_str));
            match &route.authorizer_id {
                Some(id) if !id.is_empty() => label,
                _ => format!("{label} without an authorizer"),
            }
        }
        other => match &route.authorizer_id {
            Some(id) if !id.is_empty() => format!("{other} (authorizer {id})"),
            _ => other.to_owned(),
        },
    }
}

/// Whether `deployed` is authorized as `auth` declares: public is `NONE`
/// (an authorizer or scopes left on a `NONE` route do nothing); required is
/// `JWT` with an authorizer and the same scopes, in any order.
fn authorization_matches(auth: &Auth, deployed: &DeployedRoute) -> bool {
    let kind = deployed.authorization_type.as_deref().unwrap_or("NONE");
    match auth {
        Auth::Public => kind == "NONE",
        Auth::Required { scopes } => {
            let mut expected: Vec<&str> = scopes.to_vec();
            expected.sort_unstable();
            let mut actual: Vec<&str> = deployed.scopes.iter().map(String::as_str).collect();
            actual.sort_unstable();
            kind == "JWT" && deployed.authorizer_id.as_deref().is_some_and(|id| !id.is_empty()) && expected == actual
        }
    }
}

/// Every difference between the registry's `routes` and the `deployed`
/// ones, ordered by route key.
pub(crate) fn compare(routes: &[&Route], deployed: &[DeployedRoute]) -> Vec<Drift> {
    let deployed_by_key: BTreeMap<&str, &DeployedRoute> =
        deployed.iter().map(|route| (route.route_key.as_str(), route)).collect();
    let mut drift = Vec::new();
    for route in routes {
        match deployed_by_key.get(route.route_key) {
            None => drift.push(Drift::Missing {
                route_key: route.route_key.to_owned(),
                expected: expected_authorization(&route.auth),
            }),
            Some(deployed) if !authorization_matches(&route.auth, deployed) => {
                drift.push(Drift::AuthorizationDiffers {
                    route_key: route.route_key.to_owned(),
                    expected: expected_authorization(&route.auth),
                    deployed: deployed_authorization(deployed),
                });
            }
            Some(_) => {}
        }
    }
    for route in deployed {
        if !routes.iter().any(|registered| registered.route_key == route.route_key) {
            drift.push(Drift::AddedByHand {
                route_key: route.route_key.clone(),
                deployed: deployed_authorization(route),
            });
        }
    }
    drift.sort_by(|a, b| a.route_key().cmp(b.route_key()));
    drift
}

/// The differences as a table, one line each under a header.
pub(crate) fn table(drift: &[Drift]) -> String {
    let header = ["route", "difference", "registry", "deployed"];
    let rows: Vec<[&str; 4]> = drift.iter().map(Drift::columns).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Every item of a paged listing: `fetch` gets the previous page's next
/// token (none for the first page) and returns a page and its next token.
pub(crate) async fn all_pages<T, F, Fut>(mut fetch: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = anyhow::Result<(Vec<T>, Option<String>)>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let (page, next) = fetch(token.clone()).await?;
        items.extend(page);
        match next.filter(|next| !next.is_empty()) {
            Some(next) if Some(&next) == token.as_ref() => {
                anyhow::bail!("the listing returned the same next token twice: `{next}`")
            }
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
}

/// Every route of the API `api_id`, through `GetRoutes`, page after page.
pub(crate) async fn deployed_routes(client: &Client, api_id: &str) -> anyhow::Result<Vec<DeployedRoute>> {
    all_pages(|token| async move {
        let page = client
            .get_routes()
            .api_id(api_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|err| match (err.code(), err.message()) {
                (Some(code), message) => {
                    anyhow::anyhow!(
                        "GetRoutes of API {api_id} failed: {code}: {}",
                        message.unwrap_or_default()
                    )
                }
                _ => anyhow::anyhow!("GetRoutes of API {api_id} failed: {}", DisplayErrorContext(&err)),
            })?;
        let routes = page
            .items()
            .iter()
            .map(|route| DeployedRoute {
                route_key: route.route_key().unwrap_or_default().to_owned(),
                authorization_type: route.authorization_type().map(|kind| kind.as_str().to_owned()),
                authorizer_id: route.authorizer_id().map(str::to_owned),
                scopes: route.authorization_scopes().to_vec(),
            })
            .collect();
        Ok((routes, page.next_token().map(str::to_owned)))
    })
    .await
}

/// An API Gateway v2 client: of the emulator at `endpoint` (its dummy
/// credentials), or of the real account (default credential chain and region).
pub(crate) async fn client(endpoint: Option<&str>) -> anyhow::Result<Client> {
    use api_handler::store::aws::{CredentialSource, provision, sdk_config};
    use aws_config::environment::EnvironmentVariableRegionProvider;
    use aws_config::meta::region::RegionProviderChain;
    use aws_config::profile::ProfileFileRegionProvider;
    let sdk = match endpoint {
        Some(endpoint) => provision::emulator_sdk_config(endpoint, EMULATOR_REGION).await,
        None => {
            // The default region chain but its last link, instance metadata,
            // which needs an HTTP client aws-config is built without here.
            let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
                .or_else(ProfileFileRegionProvider::new())
                .region()
                .await
                .context("no AWS region: set AWS_REGION (or the profile's region)")?;
            sdk_config(region.as_ref(), None, CredentialSource::Chain).await
        }
    };
    Ok(Client::new(&sdk))
}

/// The differences between the registry and the API `api_id`.
pub(crate) async fn check(client: &Client, api_id: &str) -> anyhow::Result<Vec<Drift>> {
    let deployed = deployed_routes(client, api_id).await?;
    Ok(compare(&api_handler::routes(), &deployed))
}

/// Runs `future` to its end on a runtime of its own.
fn block_on<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?
        .block_on(future)
}

/// Compares the API `api_id` with the registry, prints the differences
/// and fails if there is any.
pub(crate) fn run(api_id: &str, endpoint: Option<&str>) -> anyhow::Result<()> {
    let drift = block_on(async { check(&client(endpoint).await?, api_id).await })?;
    let registered = api_handler::routes().len();
    if drift.is_empty() {
        println!("API {api_id} has exactly the registry's {registered} routes, each with its authorization");
        return Ok(());
    }
    print!("{}", table(&drift));
    anyhow::bail!(
        "API {api_id} differs from the registry's {registered} routes in {} place(s); \
         the registry (terraform/routes.gen.tf, applied by deploy phase 3) is the source of truth",
        drift.len()
    )
}

/// Proves the check on the API `api_id` of the emulator at `endpoint`: a
/// route added there by hand is reported, then removed again.
pub(crate) fn a_route_added_by_hand_is_reported(api_id: &str, endpoint: &str) -> anyhow::Result<()> {
    const KEY: &str = "GET /added-by-hand";
    let drift = block_on(async {
        let client = client(Some(endpoint)).await?;
        let added = client
            .create_route()
            .api_id(api_id)
            .route_key(KEY)
            .send()
            .await
            .map_err(|err| anyhow::anyhow!("cannot add {KEY}: {}", DisplayErrorContext(err)))?;
        let drift = check(&client, api_id).await;
        if let Some(route_id) = added.route_id() {
            client
                .delete_route()
                .api_id(api_id)
                .route_id(route_id)
                .send()
                .await
                .map_err(|err| anyhow::anyhow!("cannot remove {KEY}: {}", DisplayErrorContext(err)))?;
        }
        drift
    })?;
    anyhow::ensure!(
        drift
            .iter()
            .any(|found| matches!(found, Drift::AddedByHand { route_key, .. } if route_key == KEY)),
        "a route added by hand to API {api_id} was not reported: {drift:?}"
    );
    println!("a route added by hand to API {api_id} is reported as drift");
    Ok(())
}

#[cfg(test)]
mod tests {
    use aws_sdk_apigatewayv2::types::{AuthorizationType, AuthorizerType, JwtConfiguration, ProtocolType};
    use route_framework::method::Method;
    use route_framework::testing::synthetic_route;

    use super::*;

    /// The emulator endpoint variable `cargo xtask test` sets.
    const MOTO_ENDPOINT_VAR: &str = "MOTO_ENDPOINT_URL";

    fn deployed(key: &str, kind: &str, authorizer: Option<&str>, scopes: &[&str]) -> DeployedRoute {
        DeployedRoute {
            route_key: key.to_owned(),
            authorization_type: Some(kind.to_owned()),
            authorizer_id: authorizer.map(str::to_owned),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
        }
    }

    fn registry() -> Vec<&'static Route> {
        vec![
            synthetic_route(Method::GET, "/health", Auth::Public),
            synthetic_route(Method::GET, "/goals", Auth::Required { scopes: &[] }),
            synthetic_route(
                Method::POST,
                "/goals",
                Auth::Required {
                    scopes: &["goals.write", "goals.read"],
                },
            ),
        ]
    }

    fn in_sync() -> Vec<DeployedRoute> {
        vec![
            deployed("GET /health", "NONE", None, &[]),
            deployed("GET /goals", "JWT", Some("auth1"), &[]),
            // Scopes in another order are the same scopes.
            deployed("POST /goals", "JWT", Some("auth1"), &["goals.read", "goals.write"]),
        ]
    }

    #[test]
    fn the_same_routes_are_no_drift() {
        assert_eq!(compare(&registry(), &in_sync()), vec![]);
        // An authorizer left on a NONE route does nothing; no type is NONE.
        let mut routes = in_sync();
        routes[0] = deployed("GET /health", "NONE", Some("auth1"), &["leftover"]);
        assert_eq!(compare(&registry(), &routes), vec![]);
        routes[0].authorization_type = None;
        assert_eq!(compare(&registry(), &routes), vec![]);
    }

    #[test]
    fn a_route_added_by_hand_is_drift_and_so_is_default() {
        let mut routes = in_sync();
        routes.push(deployed("DELETE /goals", "NONE", None, &[]));
        routes.push(deployed("$default", "NONE", None, &[]));
        assert_eq!(
            compare(&registry(), &routes),
            vec![
                Drift::AddedByHand {
                    route_key: "$default".into(),
                    deployed: "NONE".into()
                },
                Drift::AddedByHand {
                    route_key: "DELETE /goals".into(),
                    deployed: "NONE".into()
                },
            ]
        );
    }

    #[test]
    fn a_missing_route_is_drift() {
        let mut routes = in_sync();
        routes.remove(2);
        assert_eq!(
            compare(&registry(), &routes),
            vec![Drift::Missing {
                route_key: "POST /goals".into(),
                expected: "JWT [goals.write, goals.read]".into()
            }]
        );
    }

    #[test]
    fn every_authorization_difference_is_drift() {
        let cases = [
            // The authorizer removed in the console.
            (1, deployed("GET /goals", "NONE", None, &[]), "JWT", "NONE"),
            // JWT with no authorizer left.
            (
                1,
                deployed("GET /goals", "JWT", None, &[]),
                "JWT",
                "JWT without an authorizer",
            ),
            // A scope dropped, or one added.
            (
                2,
                deployed("POST /goals", "JWT", Some("auth1"), &["goals.write"]),
                "JWT [goals.write, goals.read]",
                "JWT [goals.write]",
            ),
            (
                1,
                deployed("GET /goals", "JWT", Some("auth1"), &["admin"]),
                "JWT",
                "JWT [admin]",
            ),
            // Another kind of authorization.
            (1, deployed("GET /goals", "AWS_IAM", None, &[]), "JWT", "AWS_IAM"),
            // A public route given an authorizer.
            (0, deployed("GET /health", "JWT", Some("auth1"), &[]), "NONE", "JWT"),
        ];
        for (index, route, expected, shown) in cases {
            let mut routes = in_sync();
            let key = route.route_key.clone();
            routes[index] = route;
            assert_eq!(
                compare(&registry(), &routes),
                vec![Drift::AuthorizationDiffers {
                    route_key: key,
                    expected: expected.into(),
                    deployed: shown.into()
                }]
            );
        }
    }

    #[test]
    fn the_table_lines_up_every_difference() {
        let drift = [
            Drift::AddedByHand {
                route_key: "$default".into(),
                deployed: "NONE".into(),
            },
            Drift::AuthorizationDiffers {
                route_key: "GET /goals".into(),
                expected: "JWT".into(),
                deployed: "NONE".into(),
            },
            Drift::Missing {
                route_key: "POST /goals".into(),
                expected: "JWT [goals.write]".into(),
            },
        ];
        assert_eq!(
            table(&drift),
            "\
route        difference             registry           deployed
$default     added by hand          -                  NONE
GET /goals   authorization differs  JWT                NONE
POST /goals  missing                JWT [goals.write]  -
"
        );
    }

    #[test]
    fn every_page_is_read() -> anyhow::Result<()> {
        let pages = runtime().block_on(all_pages(|token| async move {
            Ok(match token.as_deref() {
                None => (vec![1, 2], Some("a".to_owned())),
                Some("a") => (vec![3], Some("b".to_owned())),
                Some("b") => (vec![4], Some(String::new())),
                Some(other) => anyhow::bail!("unexpected token {other}"),
            })
        }))?;
        assert_eq!(pages, vec![1, 2, 3, 4]);
        let stuck = runtime().block_on(all_pages(|_| async { Ok((vec![0], Some("same".to_owned()))) }));
        assert!(stuck.is_err(), "a repeated token must end the listing");
        Ok(())
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The moto endpoint, or a panic saying how to get one.
    fn moto_endpoint() -> String {
        std::env::var(MOTO_ENDPOINT_VAR).unwrap_or_else(|_| {
            panic!(
                "the drift test needs moto: run it with `cargo xtask test`, which starts it, \
                 or start `target/tools/venv/bin/moto_server -H 127.0.0.1 -p 5000` and set \
                 {MOTO_ENDPOINT_VAR}=http://127.0.0.1:5000"
            )
        })
    }

    /// An HTTP API in moto with a JWT authorizer and exactly the registry's
    /// routes, as deploy phase 3 leaves it; returns the API id and each
    /// route's id by key.
    async fn deploy_registry(client: &Client) -> (String, BTreeMap<String, String>) {
        let api = client
            .create_api()
            .name(format!("drift-{}", std::process::id()))
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let api_id = api.api_id().unwrap().to_owned();
        let authorizer = client
            .create_authorizer()
            .api_id(&api_id)
            .name("cognito")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .audience("client")
                    .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let authorizer_id = authorizer.authorizer_id().unwrap();
        let mut ids = BTreeMap::new();
        for route in api_handler::routes() {
            let create = client.create_route().api_id(&api_id).route_key(route.route_key);
            let create = match route.auth {
                Auth::Public => create.authorization_type(AuthorizationType::None),
                Auth::Required { scopes } => create
                    .authorization_type(AuthorizationType::Jwt)
                    .authorizer_id(authorizer_id)
                    .set_authorization_scopes(
                        (!scopes.is_empty()).then(|| scopes.iter().map(|s| (*s).to_owned()).collect()),
                    ),
            };
            let created = create.send().await.unwrap();
            ids.insert(route.route_key.to_owned(), created.route_id().unwrap().to_owned());
        }
        (api_id, ids)
    }

    #[test]
    fn moto_gateway_drift_is_found() {
        let endpoint = moto_endpoint();
        let runtime = runtime();
        let client = runtime.block_on(client(Some(&endpoint))).unwrap();
        let (api_id, ids) = runtime.block_on(deploy_registry(&client));
        assert_eq!(runtime.block_on(check(&client, &api_id)).unwrap(), vec![]);
        run(&api_id, Some(&endpoint)).unwrap();

        let routes = api_handler::routes();
        let public = routes.iter().find(|route| matches!(route.auth, Auth::Public)).unwrap();
        let required = routes
            .iter()
            .find(|route| matches!(route.auth, Auth::Required { .. }))
            .unwrap();
        let deleted = routes
            .iter()
            .find(|route| route.route_key != public.route_key && route.route_key != required.route_key)
            .unwrap();

        // A route added by hand in the console.
        runtime
            .block_on(
                client
                    .create_route()
                    .api_id(&api_id)
                    .route_key("GET /added-by-hand")
                    .authorization_type(AuthorizationType::None)
                    .send(),
            )
            .unwrap();
        // One deleted.
        runtime
            .block_on(
                client
                    .delete_route()
                    .api_id(&api_id)
                    .route_id(&ids[deleted.route_key])
                    .send(),
            )
            .unwrap();
        // An authenticated route's authorizer removed.
        runtime
            .block_on(
                client
                    .update_route()
                    .api_id(&api_id)
                    .route_id(&ids[required.route_key])
                    .authorization_type(AuthorizationType::None)
                    .send(),
            )
            .unwrap();

        let mut expected = vec![
            Drift::AddedByHand {
                route_key: "GET /added-by-hand".into(),
                deployed: "NONE".into(),
            },
            Drift::Missing {
                route_key: deleted.route_key.into(),
                expected: expected_authorization(&deleted.auth),
            },
            Drift::AuthorizationDiffers {
                route_key: required.route_key.into(),
                expected: expected_authorization(&required.auth),
                deployed: "NONE".into(),
            },
        ];
        expected.sort_by(|a, b| a.route_key().cmp(b.route_key()));
        assert_eq!(runtime.block_on(check(&client, &api_id)).unwrap(), expected);
        let err = run(&api_id, Some(&endpoint)).unwrap_err();
        assert!(err.to_string().contains("in 3 place(s)"), "{err:#}");
    }
}
