//! `Signature`: what a handler's, consumer's or job's arguments read, as
//! their extractors describe it, for the OpenAPI document and the checks a
//! dispatcher makes when it is built.
//!
//! The `#[route]`, `#[on_event]` and `#[schedule]` expansions ask each
//! argument's extractor to describe itself (`FromRequestParts::describe` and
//! its siblings), so what an extractor reads is known by its trait, never by
//! the name its type is spelt with in the handler.

use std::any::TypeId;

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Produces (a reference to) a type's JSON schema, registering its definitions.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The [`SchemaFn`] of `T`.
pub fn schema_of<T: JsonSchema + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The application state an extractor reads, by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateType {
    /// The state's type.
    pub id: TypeId,
    /// The state's type name, for messages.
    pub name: &'static str,
}

impl StateType {
    /// The state type `S`.
    pub fn of<S: 'static>() -> Self {
        StateType {
            id: TypeId::of::<S>(),
            name: std::any::type_name::<S>(),
        }
    }
}

/// A request header an argument reads, as OpenAPI documents it.
#[derive(Debug, Clone, Copy)]
pub struct HeaderParameter {
    /// The header's name, as clients spell it (`Idempotency-Key`).
    pub name: &'static str,
    /// What the header does.
    pub description: &'static str,
    /// The schema of its value.
    pub schema: SchemaFn,
}

/// What one handler's (or task's) arguments read from a request or event.
///
/// Built by [`Route::signature`](crate::registry::Route::signature) and its
/// siblings; extractors fill it in their `describe`.
///
/// ```
/// use route_framework::prelude::*;
/// use route_framework::signature::Signature;
///
/// #[derive(Deserialize, JsonSchema, Validate)]
/// struct Body {
///     #[garde(length(min = 1))]
///     name: String,
/// }
///
/// let mut signature = Signature::default();
/// <Json<Body> as route_framework::extract::FromRequest>::describe(&mut signature);
/// assert!(signature.body().is_some());
/// assert!(signature.query().is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Signature {
    query: Option<SchemaFn>,
    body: Option<SchemaFn>,
    headers: Vec<HeaderParameter>,
    states: Vec<StateType>,
    problems: Vec<String>,
}

impl Signature {
    /// Records that an argument reads the query string into `T` (schema `schema`).
    pub fn read_query(&mut self, schema: SchemaFn) {
        if self.query.replace(schema).is_some() {
            self.problems
                .push("two arguments read the query string: take one struct".to_owned());
        }
    }

    /// Records that an argument consumes the body as JSON described by `schema`.
    pub fn read_body(&mut self, schema: SchemaFn) {
        if self.body.replace(schema).is_some() {
            self.problems.push("two arguments read the body".to_owned());
        }
    }

    /// Records that an argument reads the request header `header` (optional
    /// to send: an extractor that requires it answers 400 itself).
    pub fn read_header(&mut self, header: HeaderParameter) {
        if self
            .headers
            .iter()
            .any(|known| known.name.eq_ignore_ascii_case(header.name))
        {
            self.problems
                .push(format!("two arguments read the `{}` header: take one", header.name));
        } else {
            self.headers.push(header);
        }
    }

    /// Records that an argument reads the application state as an `S`.
    pub fn read_state<S: 'static>(&mut self) {
        let state = StateType::of::<S>();
        if !self.states.contains(&state) {
            self.states.push(state);
        }
    }

    /// The schema of the query string, if an argument reads it.
    pub fn query(&self) -> Option<SchemaFn> {
        self.query
    }

    /// The schema of the JSON body, if an argument consumes it.
    pub fn body(&self) -> Option<SchemaFn> {
        self.body
    }

    /// The request headers the arguments read.
    pub fn headers(&self) -> &[HeaderParameter] {
        &self.headers
    }

    /// The application state types the arguments read.
    pub fn states(&self) -> &[StateType] {
        &self.states
    }

    /// What makes these arguments unservable together, one line each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Every state type the arguments read that is not `state`, one line each.
    pub(crate) fn state_mismatches(&self, state: StateType) -> impl Iterator<Item = String> + '_ {
        self.states
            .iter()
            .filter(move |needed| needed.id != state.id)
            .map(move |needed| {
                format!(
                    "takes the state `{}` but the dispatcher was built with `{}`",
                    needed.name, state.name
                )
            })
    }
}

/// Fills a [`Signature`]: the function the macros generate for each handler,
/// consumer and job, which asks every argument's extractor in turn.
pub type DescribeFn = fn(&mut Signature);
