//! Listings a page at a time, with an adapter-made continuation.

/// Where a listing continues: opaque to everyone but the adapter that made
/// it (SQLite: the last key; DynamoDB: `LastEvaluatedKey`). The API layer
/// signs it into the public cursor, so clients cannot forge one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation(pub String);

/// Which page to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// At most this many items.
    pub limit: usize,
    /// Continue after the previous page; `None` for the first page.
    pub after: Option<Continuation>,
}

/// A page of a listing, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// At most `limit` items (possibly fewer even when more follow).
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Continuation>,
}
