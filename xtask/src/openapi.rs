//! `cargo xtask openapi`: the registry as an OpenAPI 3.1 document, on stdout.
//!
//! Nothing is committed: a new endpoint stays one file plus the Terraform
//! diff, and the document is always the registry's.

/// Prints the document of every registered route.
pub(crate) fn print() -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&api_handler::openapi::document())?);
    Ok(())
}
