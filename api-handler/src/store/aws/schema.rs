//! The shapes of the aws backend's tables: what `provision` creates in an
//! emulator and what `terraform/data.tf` must declare (a test in `cargo
//! xtask test` compares them).

use super::items::{
    ACTIVE_DAILY, BY_STATUS, DAILY_SHARD, DELETED_GOALS, EVENT_ID, EXPIRES_AT, GONE_AT, GONE_SHARD, OUTBOX_INDEX,
    OUTBOX_SHARD, PK, SK, STATUS_KEY,
};

/// A global secondary index, all attributes projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexShape {
    /// Index name.
    pub name: &'static str,
    /// Partition key attribute (a string).
    pub hash: &'static str,
    /// Sort key attribute (a string).
    pub range: &'static str,
}

/// A table keyed `(userId, sk)`, both strings, billed on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableShape {
    /// The name after the deployment's prefix (`{prefix}-{suffix}`).
    pub suffix: &'static str,
    /// Partition key attribute.
    pub hash: &'static str,
    /// Sort key attribute.
    pub range: &'static str,
    /// Its indexes.
    pub indexes: &'static [IndexShape],
    /// The TTL attribute (epoch seconds), if any.
    pub ttl: Option<&'static str>,
}

/// The three tables.
pub const TABLES: [TableShape; 3] = [
    TableShape {
        suffix: "users",
        hash: PK,
        range: SK,
        indexes: &[IndexShape {
            name: OUTBOX_INDEX,
            hash: OUTBOX_SHARD,
            range: EVENT_ID,
        }],
        ttl: Some(EXPIRES_AT),
    },
    TableShape {
        suffix: "goals",
        hash: PK,
        range: SK,
        indexes: &[
            IndexShape {
                name: BY_STATUS,
                hash: PK,
                range: STATUS_KEY,
            },
            IndexShape {
                name: ACTIVE_DAILY,
                hash: DAILY_SHARD,
                range: PK,
            },
            IndexShape {
                name: DELETED_GOALS,
                hash: GONE_SHARD,
                range: GONE_AT,
            },
        ],
        ttl: None,
    },
    TableShape {
        suffix: "aggregates",
        hash: PK,
        range: SK,
        indexes: &[],
        ttl: None,
    },
];
