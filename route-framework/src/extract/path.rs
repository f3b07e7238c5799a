//! `Path<T>`: path parameters as one value, a tuple or a struct.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Error as _, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::FromRequestParts;
use crate::error::ApiError;
use crate::request::RequestParts;

/// The matched route's path parameters.
///
/// `T` is one value when the route has one parameter (`Path<String>`), a tuple
/// in path order (`Path<(String, u32)>`), or a struct whose fields are the
/// parameter names (`Path<GoalPath>`). A value that does not parse is a 400.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// One day of a goal's progress.
/// #[route("GET /goals/{goalId}/days/{day}", public)]
/// async fn day(Path((goal, day)): Path<(String, u32)>) -> Json<String> {
///     Json(format!("{goal}, day {day}"))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// assert_eq!(client.get("/goals/g1/days/3").send().await.json(), "g1, day 3");
/// let response = client.get("/goals/g1/days/three").send().await;
/// assert_eq!(response.status, 400);
/// assert_eq!(response.json()["error"]["code"], "bad_request");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        T::deserialize(Params(parts.path_params()))
            .map(Path)
            .map_err(|err| ApiError::bad_request(format!("invalid path: {err}")))
    }
}

/// Deserialises the whole parameter list.
struct Params<'de>(&'de [(&'static str, String)]);

impl<'de> Params<'de> {
    /// The only parameter, for scalar targets.
    fn single(&self) -> Result<Param<'de>, Error> {
        match self.0 {
            [(name, value)] => Ok(Param { name, value }),
            params => Err(Error::custom(format!(
                "expected 1 path parameter, the route has {}: use a tuple or a struct",
                params.len()
            ))),
        }
    }

    fn map(&self) -> MapDeserializer<'de, impl Iterator<Item = (&'de str, Param<'de>)>, Error> {
        MapDeserializer::new(self.0.iter().map(|(name, value)| (*name, Param { name, value })))
    }

    fn seq(&self) -> SeqDeserializer<impl Iterator<Item = Param<'de>>, Error> {
        SeqDeserializer::new(self.0.iter().map(|(name, value)| Param { name, value }))
    }
}

/// Forwards scalar requests to the single parameter.
macro_rules! forward_to_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Params<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.len() == 1 {
            self.single()?.deserialize_any(visitor)
        } else {
            visitor.visit_map(self.map())
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self.map())
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(self.map())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self.seq())
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        if len != self.0.len() {
            return Err(Error::custom(format!(
                "expected a tuple of {} path parameters, found {len}",
                self.0.len()
            )));
        }
        visitor.visit_seq(self.seq())
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.single()?.deserialize_unit_struct(name, visitor)
    }

    forward_to_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_identifier deserialize_ignored_any
    }
}

/// One parameter's value; parses into whatever scalar is asked for.
#[derive(Clone, Copy)]
struct Param<'de> {
    name: &'de str,
    value: &'de str,
}

impl Param<'_> {
    fn invalid(&self, expected: &str) -> Error {
        Error::custom(format!(
            "path parameter `{}` must be {expected}, found `{}`",
            self.name, self.value
        ))
    }
}

/// Parses the value with `FromStr` for numeric and boolean targets.
macro_rules! parse_scalar {
    ($($method:ident => $visit:ident : $ty:ty, $expected:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.value.parse::<$ty>() {
                Ok(value) => visitor.$visit(value),
                Err(_) => Err(self.invalid($expected)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Param<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.value.into_deserializer())
    }

    parse_scalar! {
        deserialize_bool => visit_bool: bool, "`true` or `false`";
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "an integer";
        deserialize_i64 => visit_i64: i64, "an integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "a non-negative integer";
        deserialize_u16 => visit_u16: u16, "a non-negative integer";
        deserialize_u32 => visit_u32: u32, "a non-negative integer";
        deserialize_u64 => visit_u64: u64, "a non-negative integer";
        deserialize_u128 => visit_u128: u128, "a non-negative integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "a single character";
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for Param<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}
