//! Code generation: the original function, its adapter and its `Route` record.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use crate::attr::RouteAttr;
use crate::ctxt::Ctxt;
use crate::handler::Handler;
use crate::path::{self, RouteKey};

/// Entry point of `#[route]`: analyse everything, then generate.
pub(crate) fn expand_route(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: ItemFn =
        syn::parse2(item).map_err(|err| syn::Error::new(err.span(), "`#[route]` applies to an `async fn` handler"))?;
    let cx = Ctxt::new();
    let attr = RouteAttr::from_tokens(&cx, args);
    let handler = Handler::from_ast(&cx, &item, "route handlers");
    let key = match &attr {
        Ok(attr) => path::parse_route_key(&cx, &attr.key),
        Err(err) => {
            cx.syn_error(err.clone());
            None
        }
    };
    if let Some(key) = &key {
        check_path_params(&cx, key, &handler);
    }
    cx.check()?;
    match (attr, key) {
        (Ok(attr), Some(key)) => Ok(generate(&item, &attr, &key, &handler)),
        // `check` above fails whenever either is missing.
        _ => Err(syn::Error::new(Span::call_site(), "invalid `#[route]`")),
    }
}

/// The route's path parameters and the handler's `Path` extractor must agree.
fn check_path_params(cx: &Ctxt, key: &RouteKey, handler: &Handler<'_>) {
    let params: Vec<&str> = key.params().collect();
    let listed = params
        .iter()
        .map(|p| format!("`{{{p}}}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match &handler.path_arg {
        None if !params.is_empty() => cx.error_spanned_by(
            handler.name,
            format!(
                "`{}` does not take the path parameters {listed} of `{} {}`: add a `Path<..>` argument",
                handler.name, key.method, key.path
            ),
        ),
        Some(path_arg) if params.is_empty() => cx.error_spanned_by(
            path_arg.ty,
            format!(
                "`Path` extractor, but `{} {}` has no path parameters",
                key.method, key.path
            ),
        ),
        Some(path_arg) => {
            if let Some(arity) = path_arg.arity.filter(|arity| *arity != params.len()) {
                cx.error_spanned_by(
                    path_arg.ty,
                    format!(
                        "this `Path` extracts {arity} value(s) but `{} {}` has {} path parameter(s): {listed}",
                        key.method,
                        key.path,
                        params.len()
                    ),
                );
            }
        }
        None => {}
    }
}

/// Emits the function unchanged, plus (in an anonymous const) the adapter that
/// runs the extractors and the `inventory` submission of the route record.
///
/// The extractors run before the handler's future is boxed: they are
/// synchronous, and that future then holds the arguments, not the whole
/// request (which would be moved into it, and boxed, on every request).
fn generate(item: &ItemFn, attr: &RouteAttr, key: &RouteKey, handler: &Handler<'_>) -> TokenStream {
    let krate = quote!(::route_framework::__private);
    let name = handler.name;
    let adapter = format_ident!("__route_adapter_{}", name);
    let describe = format_ident!("__route_describe_{}", name);
    let signature = format_ident!("__signature");
    let parts = format_ident!("__parts");
    let body = format_ident!("__body");

    let count = handler.arg_types.len();
    let args: Vec<_> = (0..count).map(|i| format_ident!("__arg{}", i)).collect();
    let extractions = handler.arg_types.iter().zip(&args).enumerate().map(|(i, (ty, arg))| {
        let call = if i + 1 == count {
            quote_spanned!(ty.span()=> <#ty as #krate::FromRequest<_>>::from_request(&#parts, #body))
        } else {
            quote_spanned!(ty.span()=> <#ty as #krate::FromRequestParts>::from_request_parts(&#parts))
        };
        quote! {
            let #arg = match #call {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => {
                    let rejected = #krate::IntoResponse::into_response(rejection);
                    return ::std::boxed::Box::pin(::core::future::ready(rejected));
                }
            };
        }
    });
    let descriptions = handler.arg_types.iter().enumerate().map(|(i, ty)| {
        if i + 1 == count {
            quote_spanned!(ty.span()=> <#ty as #krate::FromRequest<_>>::describe(#signature);)
        } else {
            quote_spanned!(ty.span()=> <#ty as #krate::FromRequestParts>::describe(#signature);)
        }
    });
    let unused_body = (count == 0).then(|| quote!(let _ = #body;));
    let unused_signature = (count == 0).then(|| quote!(let _ = #signature;));
    let output_span = match handler.output {
        ReturnType::Default => name.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let respond = quote_spanned!(output_span=> #krate::IntoResponse::into_response(__output));
    let response_doc = match handler.output {
        ReturnType::Default => quote_spanned!(output_span=> <() as #krate::DescribeResponse>::DOC),
        ReturnType::Type(_, ty) => quote_spanned!(output_span=> <#ty as #krate::DescribeResponse>::DOC),
    };

    let method = format_ident!("{}", key.method);
    let path = &key.path;
    let route_key = format!("{} {}", key.method, key.path);
    let params = key.params();
    let auth = if attr.public {
        quote!(#krate::Auth::Public)
    } else {
        let scopes = &attr.scopes;
        quote!(#krate::Auth::Required { scopes: &[#(#scopes),*] })
    };
    let handler_name = name.to_string();
    let summary = &handler.summary;
    let line = quote_spanned!(name.span()=> ::core::line!());

    let mut tokens = item.to_token_stream();
    tokens.extend(quote! {
        #[doc(hidden)]
        const _: () = {
            fn #adapter(
                #parts: #krate::RequestParts<'_>,
                #body: #krate::Bytes,
            ) -> #krate::BoxFuture<'static, #krate::Response> {
                #unused_body
                #(#extractions)*
                ::std::boxed::Box::pin(async move {
                    let __output = #name(#(#args),*).await;
                    #respond
                })
            }

            fn #describe(#signature: &mut #krate::Signature) {
                #unused_signature
                #(#descriptions)*
            }

            #krate::inventory::submit! {
                #krate::Route {
                    method: #krate::Method::#method,
                    path: #path,
                    route_key: #route_key,
                    params: &[#(#params),*],
                    auth: #auth,
                    handler_name: #handler_name,
                    module_path: ::core::module_path!(),
                    file: #krate::source_file(::core::file!(), ::core::env!("CARGO_MANIFEST_DIR")),
                    line: #line,
                    summary: #summary,
                    arguments: #describe,
                    response: #response_doc,
                    handler: #adapter,
                }
            }
        };
    });
    tokens
}
