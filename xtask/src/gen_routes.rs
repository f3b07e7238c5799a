//! `cargo xtask gen-routes [--check]`: the registries as Terraform, through
//! the framework's generators ([`route_framework::terraform`]) with this
//! repository's resource names: API Gateway routes in `routes.gen.tf`, the
//! event sources of consumers and jobs in `events.gen.tf`; and the routes as
//! the OpenAPI document clients read, `docs/openapi.json`.

use std::path::Path;

use route_framework::terraform::{self, Names};

use crate::util;

/// Where the generated routes live, relative to the project root.
pub(crate) const ROUTES_FILE: &str = "terraform/routes.gen.tf";

/// Where the generated event sources live, relative to the project root.
pub(crate) const EVENTS_FILE: &str = "terraform/events.gen.tf";

/// Writes (or with `check`, verifies) `terraform/routes.gen.tf`,
/// `terraform/events.gen.tf` and `docs/openapi.json`.
pub(crate) fn generate(check: bool) -> anyhow::Result<()> {
    let routes = api_handler::routes();
    route_framework::checks::validate(&routes)?;
    let names = Names::default();
    let events = terraform::events(&api_handler::consumers(), &api_handler::jobs(), &names)?;
    let routes = terraform::routes(&routes, &names);
    util::ensure_file_contents("gen-routes", Path::new(ROUTES_FILE), &routes, check)?;
    util::ensure_file_contents("gen-routes", Path::new(EVENTS_FILE), &events, check)?;
    crate::openapi::generate(check)
}

#[cfg(test)]
mod tests {
    use route_framework::method::Method;
    use route_framework::registry::Auth;
    use route_framework::testing::synthetic_route;

    use super::*;

    #[test]
    fn terraform_routes_are_fresh() {
        if let Err(err) = generate(true) {
            panic!("{err:#}");
        }
    }

    /// The docs page and its document are the local server's own: never a
    /// gateway route.
    #[test]
    fn the_docs_page_is_never_deployed() {
        let routes = terraform::routes(&api_handler::routes(), &Names::default());
        for local in [
            route_framework::docs_page::PAGE_PATH,
            route_framework::docs_page::DOCUMENT_PATH,
        ] {
            assert!(!routes.contains(&format!(" {local}\"")), "{local} is in {ROUTES_FILE}");
        }
    }

    #[test]
    fn renders_public_and_jwt_routes_deterministically() {
        let routes = [
            synthetic_route(
                Method::POST,
                "/goals",
                Auth::Required {
                    scopes: &["goals.write"],
                },
            ),
            synthetic_route(Method::GET, "/health", Auth::Public),
            synthetic_route(Method::GET, "/goals/{goalId}", Auth::Required { scopes: &[] }),
            synthetic_route(Method::GET, "/", Auth::Public),
        ];
        let golden = include_str!("../tests/data/routes.golden.tf");
        let names = Names::default();
        assert_eq!(terraform::routes(&routes, &names), golden);
        let mut reversed = routes;
        reversed.reverse();
        assert_eq!(
            terraform::routes(&reversed, &names),
            golden,
            "output must not depend on registry order"
        );
    }

    #[test]
    fn generated_file_parses_and_declares_every_route_with_its_authorization() {
        let text = match std::fs::read_to_string(util::project_root().join(ROUTES_FILE)) {
            Ok(text) => text,
            Err(err) => panic!("cannot read {ROUTES_FILE}: {err}; run `cargo xtask gen-routes`"),
        };
        let body: hcl::Body = match hcl::from_str(&text) {
            Ok(body) => body,
            Err(err) => panic!("{ROUTES_FILE} is not valid HCL: {err}"),
        };
        let mut declared = std::collections::BTreeMap::new();
        for block in body.blocks() {
            assert_eq!(block.identifier(), "resource");
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            assert_eq!(labels.first(), Some(&"aws_apigatewayv2_route"));
            let attr = |key: &str| {
                block
                    .body()
                    .attributes()
                    .find(|a| a.key() == key)
                    .map(|a| a.expr().clone())
            };
            let Some(hcl::Expression::String(key)) = attr("route_key") else {
                panic!("route {labels:?} has no literal route_key");
            };
            declared.insert(key, (attr("authorization_type"), attr("authorization_scopes")));
        }
        let routes = api_handler::routes();
        assert_eq!(declared.len(), routes.len(), "one Terraform route per registry route");
        for route in routes {
            let Some((auth_type, scopes)) = declared.get(route.route_key) else {
                panic!("{} is missing from {ROUTES_FILE}", route.route_key);
            };
            match route.auth {
                Auth::Public => {
                    assert_eq!(
                        auth_type,
                        &Some(hcl::Expression::String("NONE".into())),
                        "{}",
                        route.route_key
                    );
                }
                Auth::Required { scopes: required } => {
                    assert_eq!(
                        auth_type,
                        &Some(hcl::Expression::String("JWT".into())),
                        "{}",
                        route.route_key
                    );
                    let listed: Vec<String> = match scopes {
                        Some(hcl::Expression::Array(items)) => items
                            .iter()
                            .filter_map(|e| match e {
                                hcl::Expression::String(s) => Some(s.clone()),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    assert_eq!(listed, required.to_vec(), "{}", route.route_key);
                }
            }
        }
    }

    #[test]
    fn hand_written_terraform_parses_and_defines_what_the_routes_reference() {
        let defined: Vec<String> = crate::infra::references::configuration()
            .iter()
            .flat_map(|(_, body)| body.blocks())
            .map(|block| {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                format!("{} {}", block.identifier(), labels.join("."))
            })
            .collect();
        for needed in [
            "variable deploy_lambda",
            "resource aws_apigatewayv2_api.http",
            "resource aws_apigatewayv2_integration.lambda",
            "resource aws_apigatewayv2_authorizer.cognito",
        ] {
            assert!(
                defined.iter().any(|d| d == needed),
                "terraform/ lacks `{needed}`; found {defined:?}"
            );
        }
    }
}
