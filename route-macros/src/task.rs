//! `#[on_event("type", ..)]` and `#[schedule("rate(..)")]`: their arguments,
//! their checks and their code: the function unchanged, an adapter that runs
//! its extractors, and the `inventory` submission of its record.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, LitInt, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::handler::Handler;

/// Default `batch_size`: the most an SQS FIFO event source hands at once.
const DEFAULT_BATCH_SIZE: u16 = 10;
/// The largest `batch_size` an SQS event source takes.
const MAX_BATCH_SIZE: u16 = 10_000;
/// The longest `batch_window` (seconds) an SQS event source takes.
const MAX_BATCH_WINDOW: u16 = 300;

/// A string literal and comma-separated options.
struct RawArgs {
    value: LitStr,
    options: Punctuated<Meta, Token![,]>,
}

impl RawArgs {
    /// A parser whose messages name the attribute and an example of its literal.
    fn parser(example: &'static str) -> impl Fn(ParseStream<'_>) -> syn::Result<RawArgs> {
        move |input| {
            if input.is_empty() {
                return Err(input.error(format!("expected {example}")));
            }
            let value: LitStr = input
                .parse()
                .map_err(|err| syn::Error::new(err.span(), format!("expected {example}")))?;
            let options = if input.is_empty() {
                Punctuated::new()
            } else {
                input.parse::<Token![,]>()?;
                Punctuated::parse_terminated(input)?
            };
            Ok(RawArgs { value, options })
        }
    }
}

/// What kind of task an attribute declares.
enum Kind {
    /// `#[on_event]`: the event type and the batching options.
    Consumer { batch_size: u16, batch_window: u16 },
    /// `#[schedule]`.
    Job,
}

/// Entry point of `#[on_event("type", batch_size = N, batch_window = S)]`.
pub(crate) fn expand_on_event(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: ItemFn = syn::parse2(item)
        .map_err(|err| syn::Error::new(err.span(), "`#[on_event]` applies to an `async fn` consumer"))?;
    let raw = RawArgs::parser("the event type as a string literal, such as `#[on_event(\"goal.completed\")]`")
        .parse2(args)?;
    let cx = Ctxt::new();
    check_event_type(&cx, &raw.value);
    let mut batch_size: Option<u16> = None;
    let mut batch_window: Option<u16> = None;
    for option in &raw.options {
        let name = option.path().get_ident().map(ToString::to_string);
        let (slot, max, min) = match name.as_deref() {
            Some("batch_size") => (&mut batch_size, MAX_BATCH_SIZE, 1),
            Some("batch_window") => (&mut batch_window, MAX_BATCH_WINDOW, 0),
            _ => {
                cx.error_spanned_by(
                    option.path(),
                    "unknown option: expected `batch_size = N` or `batch_window = SECONDS`",
                );
                continue;
            }
        };
        if slot.is_some() {
            cx.error_spanned_by(option, "option specified more than once");
        }
        *slot = whole_number(&cx, option, min, max);
    }
    let handler = Handler::from_ast(&cx, &item, "consumers");
    cx.check()?;
    let kind = Kind::Consumer {
        batch_size: batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
        batch_window: batch_window.unwrap_or(0),
    };
    Ok(generate(&item, &handler, &raw.value, &kind))
}

/// Entry point of `#[schedule("rate(..)")]` and `#[schedule("cron(..)")]`.
pub(crate) fn expand_schedule(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: ItemFn =
        syn::parse2(item).map_err(|err| syn::Error::new(err.span(), "`#[schedule]` applies to an `async fn` job"))?;
    let raw = RawArgs::parser("a schedule expression, such as `#[schedule(\"rate(5 minutes)\")]`").parse2(args)?;
    let cx = Ctxt::new();
    // The grammar the framework's scheduler runs, so a schedule the build
    // accepts is one the runtime accepts.
    if let Err(message) = route_grammar::schedule::parse(&raw.value.value()) {
        cx.error_spanned_by(&raw.value, message);
    }
    for option in &raw.options {
        cx.error_spanned_by(option, "`#[schedule]` takes no options: only the expression");
    }
    let handler = Handler::from_ast(&cx, &item, "jobs");
    cx.check()?;
    Ok(generate(&item, &handler, &raw.value, &Kind::Job))
}

/// An event type, checked with the framework's grammar (`route-grammar`).
fn check_event_type(cx: &Ctxt, lit: &LitStr) {
    if let Err(message) = route_grammar::event_type::check(&lit.value()) {
        cx.error_spanned_by(lit, message);
    }
}

/// `name = N` with `min <= N <= max`.
fn whole_number(cx: &Ctxt, option: &Meta, min: u16, max: u16) -> Option<u16> {
    let Meta::NameValue(nv) = option else {
        cx.error_spanned_by(option, "expected `name = N`");
        return None;
    };
    let Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) = &nv.value else {
        cx.error_spanned_by(&nv.value, "expected a whole number");
        return None;
    };
    match int.base10_parse::<u16>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            cx.error_spanned_by(int, format!("expected a whole number from {min} to {max}"));
            None
        }
    }
}

/// The function, its adapter and its record.
fn generate(item: &ItemFn, handler: &Handler<'_>, value: &LitStr, kind: &Kind) -> TokenStream {
    let krate = quote!(::route_framework::__private);
    let name = handler.name;
    let adapter = format_ident!("__task_adapter_{}", name);
    let describe = format_ident!("__task_describe_{}", name);
    let signature = format_ident!("__signature");
    let parts = format_ident!("__parts");
    let payload = format_ident!("__payload");

    let count = handler.arg_types.len();
    let args: Vec<_> = (0..count).map(|i| format_ident!("__arg{}", i)).collect();
    let extractions = handler.arg_types.iter().zip(&args).enumerate().map(|(i, (ty, arg))| {
        let call = match kind {
            Kind::Consumer { .. } if i + 1 == count => {
                quote_spanned!(ty.span()=> <#ty as #krate::FromEvent<_>>::from_event(&#parts, #payload))
            }
            _ => quote_spanned!(ty.span()=> <#ty as #krate::FromEventParts>::from_event_parts(&#parts)),
        };
        quote! { let #arg = #call?; }
    });
    let descriptions = handler.arg_types.iter().enumerate().map(|(i, ty)| match kind {
        Kind::Consumer { .. } if i + 1 == count => {
            quote_spanned!(ty.span()=> <#ty as #krate::FromEvent<_>>::describe(#signature);)
        }
        _ => quote_spanned!(ty.span()=> <#ty as #krate::FromEventParts>::describe(#signature);),
    });
    let unused_signature = (count == 0).then(|| quote!(let _ = #signature;));
    let consumes_payload = matches!(kind, Kind::Consumer { .. }) && count > 0;
    let unused_payload = (!consumes_payload).then(|| quote!(let _ = #payload;));
    let unused_parts = (count == 0).then(|| quote!(let _ = &#parts;));
    let output_span = match &handler.output {
        syn::ReturnType::Default => name.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let outcome = quote_spanned!(output_span=> #krate::IntoOutcome::into_outcome(__output));

    let handler_name = name.to_string();
    let summary = &handler.summary;
    let line = quote_spanned!(name.span()=> ::core::line!());
    let origin = quote! {
        #krate::Origin {
            handler_name: #handler_name,
            module_path: ::core::module_path!(),
            file: #krate::source_file(::core::file!(), ::core::env!("CARGO_MANIFEST_DIR")),
            line: #line,
            summary: #summary,
        }
    };
    let record = match kind {
        Kind::Consumer {
            batch_size,
            batch_window,
        } => {
            let (batch_size, batch_window) = (
                LitInt::new(&format!("{batch_size}u16"), Span::call_site()),
                LitInt::new(&format!("{batch_window}u16"), Span::call_site()),
            );
            quote! {
                #krate::Consumer {
                    event_type: #value,
                    batch_size: #batch_size,
                    batch_window: #batch_window,
                    origin: #origin,
                    arguments: #describe,
                    handler: #adapter,
                }
            }
        }
        Kind::Job => quote! {
            #krate::Job {
                name: #handler_name,
                schedule: #value,
                origin: #origin,
                arguments: #describe,
                handler: #adapter,
            }
        },
    };

    let mut tokens = item.to_token_stream();
    tokens.extend(quote! {
        #[doc(hidden)]
        const _: () = {
            fn #adapter(
                #parts: #krate::EventParts,
                #payload: #krate::Bytes,
            ) -> #krate::BoxFuture<'static, #krate::Outcome> {
                ::std::boxed::Box::pin(async move {
                    #unused_parts
                    #unused_payload
                    #(#extractions)*
                    let __output = #name(#(#args),*).await;
                    #outcome
                })
            }

            fn #describe(#signature: &mut #krate::Signature) {
                #unused_signature
                #(#descriptions)*
            }

            #krate::inventory::submit! { #record }
        };
    });
    tokens
}
