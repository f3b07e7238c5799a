//! Listing pages: `?limit=&cursor=`, and the signed public cursor.

use route_framework::error::{ApiError, FieldError};
use serde::Deserialize;

use crate::app::App;
use crate::store::ports::Page;

/// The default page size.
pub(crate) const DEFAULT_LIMIT: usize = 20;
/// The largest page size.
pub(crate) const MAX_LIMIT: usize = 100;

/// `?limit=&cursor=` of a listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) limit: Option<String>,
    pub(crate) cursor: Option<String>,
}

impl PageQuery {
    /// The page size, 1–100 (default 20).
    pub(crate) fn limit(&self) -> Result<usize, ApiError> {
        match &self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new("limit", "must be an integer from 1 to 100")])
                }),
        }
    }

    /// Where to continue, from a cursor issued for `scope`.
    pub(crate) fn after(&self, app: &App, scope: &str) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|cursor| app.cursors().decode(scope, cursor))
            .transpose()
    }
}

/// Turns `limit + 1` fetched rows into a page, with a cursor when more remain.
pub(crate) fn page<T>(
    app: &App,
    scope: &str,
    mut rows: Vec<T>,
    limit: usize,
    position: impl Fn(&T) -> String,
) -> Page<T> {
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| app.cursors().encode(scope, &position(last)))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}
