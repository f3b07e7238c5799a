//! Parsing of the attribute's arguments: `"METHOD /path", public, scopes = [..]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::ctxt::Ctxt;

/// Name of the option that makes a route reachable without authentication.
const PUBLIC: &str = "public";
/// Name of the option listing the OAuth scopes a route requires.
const SCOPES: &str = "scopes";

/// The parsed arguments of one `#[route(..)]` attribute.
pub(crate) struct RouteAttr {
    /// The route key literal, for example `"GET /goals/{goalId}"`.
    pub(crate) key: LitStr,
    /// Whether the route skips authentication.
    pub(crate) public: bool,
    /// Scopes the caller's token must carry, in declaration order.
    pub(crate) scopes: Vec<LitStr>,
}

/// Raw syntax: the literal followed by comma-separated options.
struct RawArgs {
    key: LitStr,
    options: Punctuated<Meta, Token![,]>,
}

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error("expected a route key such as `#[route(\"GET /health\")]`"));
        }
        let key: LitStr = input.parse().map_err(|err| {
            syn::Error::new(
                err.span(),
                "expected the route key as a string literal, such as `\"GET /health\"`",
            )
        })?;
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(RawArgs { key, options })
    }
}

impl RouteAttr {
    /// Parses the attribute arguments, recording every bad option in `cx`.
    ///
    /// Returns `Err` only when the tokens are not even shaped like arguments.
    pub(crate) fn from_tokens(cx: &Ctxt, args: TokenStream) -> syn::Result<Self> {
        let raw = RawArgs::parse.parse2(args)?;
        let mut public: Option<&Meta> = None;
        let mut scopes: Option<(&Meta, Vec<LitStr>)> = None;

        for option in &raw.options {
            let name = option.path().get_ident().map(ToString::to_string);
            match (name.as_deref(), option) {
                (Some(PUBLIC), Meta::Path(_)) => {
                    if public.is_some() {
                        cx.error_spanned_by(option, "`public` specified more than once");
                    }
                    public = Some(option);
                }
                (Some(PUBLIC), _) => cx.error_spanned_by(option, "`public` takes no value: write `public`"),
                (Some(SCOPES), Meta::NameValue(nv)) => {
                    let list = parse_scopes(cx, &nv.value);
                    if scopes.is_some() {
                        cx.error_spanned_by(option, "`scopes` specified more than once");
                    }
                    scopes = Some((option, list));
                }
                (Some(SCOPES), _) => cx.error_spanned_by(option, "expected `scopes = [\"scope\", ..]`"),
                _ => cx.error_spanned_by(
                    option.path(),
                    "unknown route option: expected `public` or `scopes = [..]`",
                ),
            }
        }

        if let (Some(_), Some((scopes_meta, _))) = (public, &scopes) {
            cx.error_spanned_by(
                scopes_meta,
                "a `public` route cannot require `scopes`: remove one of them",
            );
        }

        Ok(RouteAttr {
            key: raw.key,
            public: public.is_some(),
            scopes: scopes.map(|(_, list)| list).unwrap_or_default(),
        })
    }
}

/// Parses `["a.read", "a.write"]`, recording malformed, empty and duplicate scopes.
fn parse_scopes(cx: &Ctxt, value: &Expr) -> Vec<LitStr> {
    let Expr::Array(array) = value else {
        cx.error_spanned_by(
            value,
            "expected a list of string literals: `scopes = [\"goals.write\"]`",
        );
        return Vec::new();
    };
    if array.elems.is_empty() {
        cx.error_spanned_by(array, "`scopes` is empty: list at least one scope or remove it");
    }
    let mut scopes: Vec<LitStr> = Vec::new();
    for elem in &array.elems {
        let Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) = elem else {
            cx.error_spanned_by(elem, "expected a scope as a string literal");
            continue;
        };
        let scope = lit.value();
        if scope.is_empty() || !scope.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\') {
            cx.error_spanned_by(
                lit,
                format!("invalid scope `{scope}`: use printable ASCII without spaces or quotes"),
            );
        } else if scopes.iter().any(|seen| seen.value() == scope) {
            cx.error_spanned_by(lit, format!("duplicate scope `{scope}`"));
        } else {
            scopes.push(lit.clone());
        }
    }
    scopes
}
