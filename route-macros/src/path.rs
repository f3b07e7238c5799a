//! The route key of `#[route("METHOD /path")]`, parsed with the grammar the
//! whole framework shares (`route-grammar`), each problem an error spanned
//! on the literal.

pub(crate) use route_grammar::route_key::RouteKey;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// Parses `lit` as a route key, recording every problem in `cx`.
///
/// Returns `None` when the key is not valid.
pub(crate) fn parse_route_key(cx: &Ctxt, lit: &LitStr) -> Option<RouteKey> {
    match route_grammar::route_key::parse(&lit.value()) {
        Ok(key) => Some(key),
        Err(problems) => {
            for problem in problems {
                cx.error_spanned_by(lit, problem);
            }
            None
        }
    }
}
