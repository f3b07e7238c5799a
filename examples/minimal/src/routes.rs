//! The endpoints: one file per endpoint under `src/routes/`, each declared
//! by `modules!()`.

route_framework::modules!();
