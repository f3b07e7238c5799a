//! Everything a route file needs: `use crate::prelude::*;`.

pub use route_framework::prelude::*;

pub use crate::app::App;
