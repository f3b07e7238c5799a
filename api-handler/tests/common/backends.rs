//! The backends the contract suite runs against, each behind one factory.
//!
//! Every app test is an `async fn(Kind)` listed in `contract_tests!`, which
//! runs it once per backend; a new backend is one more `Kind` and one more
//! arm in [`Store::open`].

use std::path::Path;

use api_handler::store::Backend;
use tempfile::TempDir;

/// A backend kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// SQLite, files and local identity in a temporary data directory.
    Embedded,
}

/// Where one backend keeps its data, across restarts of the server on it.
pub(crate) struct Store {
    kind: Kind,
    dir: TempDir,
}

impl Store {
    /// Fresh, empty storage of `kind`.
    pub(crate) fn new(kind: Kind) -> Store {
        Store {
            kind,
            dir: TempDir::new().unwrap(),
        }
    }

    /// The backend on this storage, its blob URLs starting with `public_url`.
    pub(crate) fn open(&self, public_url: &str) -> Backend {
        match self.kind {
            Kind::Embedded => api_handler::embedded(self.dir.path(), public_url).unwrap(),
        }
    }

    /// The embedded backend's data directory.
    pub(crate) fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs each listed `async fn(Kind)` once per backend, as `<backend>::<name>`.
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::common::backends::Kind::Embedded).await;
                }
            )*
        }
    };
}

pub(crate) use contract_tests;
