//! Analysis of the annotated function: its shape and its extractor arguments.

use syn::{Expr, ExprLit, FnArg, GenericArgument, Ident, ItemFn, Lit, Meta, PathArguments, ReturnType, Type, TypePath};

use crate::ctxt::Ctxt;

/// Type names whose `Path<T>` extracts exactly one path parameter.
const SCALARS: [&str; 17] = [
    "String", "str", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
    "isize", "f64",
];

/// Extractors that consume the request body and so must come last.
///
/// Checks by name give an early error spanned on the argument for the
/// framework's own spelling. What an argument reads is known from its
/// extractor's trait (`describe`, called by the expansion), so a renamed or
/// wrapped `Json` is still documented, and still cannot come first (it does
/// not implement `FromRequestParts`).
const BODY_EXTRACTORS: [&str; 1] = ["Json"];

/// What the macro needs to know about the handler function.
pub(crate) struct Handler<'a> {
    /// The function's name.
    pub(crate) name: &'a Ident,
    /// Argument types, in order: each is an extractor.
    pub(crate) arg_types: Vec<&'a Type>,
    /// The `Path<..>` argument, if any, with how many parameters its type extracts
    /// when that can be read off the syntax.
    pub(crate) path_arg: Option<PathArg<'a>>,
    /// The declared return type, if any.
    pub(crate) output: &'a ReturnType,
    /// First paragraph of the doc comment, joined into one line.
    pub(crate) summary: String,
}

/// The handler's `Path<T>` argument.
pub(crate) struct PathArg<'a> {
    /// The whole `Path<T>` type, for error spans.
    pub(crate) ty: &'a Type,
    /// Number of parameters `T` extracts: tuples and well-known scalars are
    /// countable, structs are not.
    pub(crate) arity: Option<usize>,
}

impl<'a> Handler<'a> {
    /// Analyses `item`, recording every problem in `cx`; `what` names such
    /// functions in messages (`route handlers`, `consumers`, `jobs`).
    pub(crate) fn from_ast(cx: &Ctxt, item: &'a ItemFn, what: &str) -> Self {
        let sig = &item.sig;
        if sig.asyncness.is_none() {
            cx.error_spanned_by(sig.fn_token, format!("{what} must be `async fn`"));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &sig.generics,
                format!("{what} cannot be generic: the dispatcher needs one concrete function"),
            );
        }
        if let Some(variadic) = &sig.variadic {
            cx.error_spanned_by(variadic, format!("{what} cannot be variadic"));
        }

        let mut arg_types = Vec::with_capacity(sig.inputs.len());
        let mut path_arg: Option<PathArg<'a>> = None;
        let mut has_query = false;
        let last = sig.inputs.len().saturating_sub(1);
        for (index, input) in sig.inputs.iter().enumerate() {
            let ty = match input {
                FnArg::Receiver(receiver) => {
                    cx.error_spanned_by(receiver, format!("{what} cannot take `self`"));
                    continue;
                }
                FnArg::Typed(typed) => &*typed.ty,
            };
            arg_types.push(ty);
            let name = extractor_name(ty);
            if name.as_deref().is_some_and(|n| BODY_EXTRACTORS.contains(&n)) && index != last {
                cx.error_spanned_by(
                    ty,
                    "this extractor reads the request body and must be the handler's last argument",
                );
            }
            if name.as_deref() == Some("Query") {
                if has_query {
                    cx.error_spanned_by(ty, "only one `Query` extractor per handler: take one struct");
                }
                has_query = true;
            }
            if name.as_deref() == Some("Path") {
                if path_arg.is_some() {
                    cx.error_spanned_by(
                        ty,
                        "only one `Path` extractor per handler: take a tuple or a struct instead",
                    );
                } else {
                    path_arg = Some(PathArg {
                        ty,
                        arity: path_arity(ty),
                    });
                }
            }
        }

        Handler {
            name: &sig.ident,
            arg_types,
            path_arg,
            output: &sig.output,
            summary: summary(item),
        }
    }
}

/// The last path segment's name of an argument type, such as `Json` for `Json<T>`.
fn extractor_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(TypePath { qself: None, path }) => path.segments.last().map(|segment| segment.ident.to_string()),
        _ => None,
    }
}

/// `T` of `Wrapper<T>`.
fn first_type_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(TypePath { path, .. }) = ty else {
        return None;
    };
    let PathArguments::AngleBracketed(args) = &path.segments.last()?.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}

/// How many path parameters `Path<T>` extracts, when the syntax tells.
fn path_arity(ty: &Type) -> Option<usize> {
    match first_type_argument(ty)? {
        Type::Tuple(tuple) => Some(tuple.elems.len()),
        Type::Reference(reference) => scalar_arity(&reference.elem),
        other => scalar_arity(other),
    }
}

/// `Some(1)` for a well-known scalar type, `None` for anything else.
fn scalar_arity(ty: &Type) -> Option<usize> {
    let name = extractor_name(ty)?;
    SCALARS.contains(&name.as_str()).then_some(1)
}

/// The first paragraph of the function's doc comment, as one line.
fn summary(item: &ItemFn) -> String {
    let mut lines = Vec::new();
    for attr in &item.attrs {
        let Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        if !nv.path.is_ident("doc") {
            continue;
        }
        if let Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) = &nv.value
        {
            let line = text.value().trim().to_owned();
            if line.is_empty() {
                if !lines.is_empty() {
                    break;
                }
            } else {
                lines.push(line);
            }
        }
    }
    lines.join(" ")
}
