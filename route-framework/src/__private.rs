//! Paths the `#[route]` expansion uses. Not public API.

pub use bytes::Bytes;
pub use futures_util::future::BoxFuture;
pub use inventory;

pub use crate::event::{EventParts, FromEvent, FromEventParts, IntoOutcome, Outcome};
pub use crate::extract::{FromRequest, FromRequestParts};
pub use crate::method::Method;
pub use crate::registry::{Auth, Consumer, Job, Origin, Route};
pub use crate::request::RequestParts;
pub use crate::response::{IntoResponse, Response};
pub use crate::schema::DescribeResponse;
pub use crate::signature::Signature;

/// `file!()` relative to the workspace root, even when rustc reports it
/// absolute (as it does for modules declared from `$OUT_DIR`).
///
/// `manifest_dir` is the defining crate's `CARGO_MANIFEST_DIR`; the workspace
/// root is taken to be its parent. Paths outside it are returned unchanged.
pub const fn source_file(file: &'static str, manifest_dir: &'static str) -> &'static str {
    let f = file.as_bytes();
    let m = manifest_dir.as_bytes();
    let mut root_len = m.len();
    while root_len > 0 && m[root_len - 1] != b'/' && m[root_len - 1] != b'\\' {
        root_len -= 1;
    }
    if root_len == 0 || f.len() <= root_len {
        return file;
    }
    let mut i = 0;
    while i < root_len {
        if f[i] != m[i] {
            return file;
        }
        i += 1;
    }
    let (_, rest) = f.split_at(root_len);
    match core::str::from_utf8(rest) {
        Ok(rest) => rest,
        Err(_) => file,
    }
}
