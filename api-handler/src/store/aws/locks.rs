//! Per-key async locks: writes to one goal from one process take turns
//! instead of burning their optimistic retries against each other (other
//! processes still meet on the goal's version condition).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::OwnedMutexGuard;

/// Past this many entries, entries nobody holds are dropped.
const PRUNE_ABOVE: usize = 1024;

/// A lock per key, created on demand and freed once nobody holds it.
#[derive(Default)]
pub(crate) struct KeyedLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for `key`'s turn; the turn ends when the guard drops.
    pub(crate) async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            match locks.get(key).and_then(Weak::upgrade) {
                Some(mutex) => mutex,
                None => {
                    if locks.len() > PRUNE_ABOVE {
                        locks.retain(|_, lock| lock.strong_count() > 0);
                    }
                    let mutex = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(key.to_owned(), Arc::downgrade(&mutex));
                    mutex
                }
            }
        };
        mutex.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_key_takes_turns_and_others_do_not_wait() {
        let locks = KeyedLocks::default();
        let held = locks.lock("goal-1").await;
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock("goal-1"))
                .await
                .is_err(),
            "the same key waits"
        );
        let _other = locks.lock("goal-2").await;
        drop(held);
        let _again = locks.lock("goal-1").await;
    }
}
