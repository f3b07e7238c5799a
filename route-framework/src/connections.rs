//! The local server's open connections: which one to give up at the cap,
//! and which have waited too long for a request.
//!
//! A connection is busy while one of its requests is being served and its
//! response sent, and idle otherwise: before its first request's head has
//! arrived (a slow or silent client) or between keep-alive requests. At the
//! cap, a new connection evicts the longest-idle one, so a flood of slow or
//! silent clients cannot keep real requests out; only when every connection
//! is busy is the new one refused. [`Connections::evict_idle`], run
//! periodically, closes those idle for longer than the head timeout: one
//! scan for all of them instead of a timer per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// Whether a connection is serving a request, and since when it is idle:
/// set by its requests without taking the table's lock.
struct Activity {
    busy: AtomicBool,
    /// Nanoseconds from the table's start to when it last became idle (or opened).
    idle_since: AtomicU64,
}

/// One open connection.
struct Open {
    activity: Arc<Activity>,
    /// Closes it.
    evict: Option<oneshot::Sender<()>>,
}

/// The open connections, shared by the accept loop and the connections.
#[derive(Clone)]
pub(crate) struct Connections {
    inner: Arc<Mutex<Table>>,
    started: Instant,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            inner: Arc::default(),
            started: Instant::now(),
        }
    }
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Open>,
}

impl Table {
    /// Closes connection `id` and forgets it.
    fn evict(&mut self, id: u64) {
        if let Some(mut evicted) = self.open.remove(&id)
            && let Some(evict) = evicted.evict.take()
        {
            let _ = evict.send(());
        }
    }
}

/// A connection's place in the table; leaving it removes the connection.
pub(crate) struct Ticket {
    id: u64,
    activity: Arc<Activity>,
    connections: Connections,
}

impl Connections {
    /// Admits a new connection under `max`: its ticket and the signal that
    /// evicts it. At the cap the longest-idle connection is evicted; `None`
    /// when every open connection is busy.
    pub(crate) fn admit(&self, max: usize) -> Option<(Ticket, oneshot::Receiver<()>)> {
        let mut table = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if table.open.len() >= max {
            let oldest_idle = table
                .open
                .iter()
                .filter(|(_, open)| !open.activity.busy.load(Ordering::Acquire))
                .min_by_key(|(_, open)| open.activity.idle_since.load(Ordering::Relaxed))
                .map(|(id, _)| *id)?;
            table.evict(oldest_idle);
        }
        let (evict, evicted) = oneshot::channel();
        let id = table.next_id;
        table.next_id += 1;
        let activity = Arc::new(Activity {
            busy: AtomicBool::new(false),
            idle_since: AtomicU64::new(self.now()),
        });
        table.open.insert(
            id,
            Open {
                activity: Arc::clone(&activity),
                evict: Some(evict),
            },
        );
        Some((
            Ticket {
                id,
                activity,
                connections: self.clone(),
            },
            evicted,
        ))
    }

    /// Closes every connection idle for longer than `max_idle`; how many.
    pub(crate) fn evict_idle(&self, max_idle: Duration) -> usize {
        let now = self.now();
        let max_idle = u64::try_from(max_idle.as_nanos()).unwrap_or(u64::MAX);
        let mut table = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let stale: Vec<u64> = table
            .open
            .iter()
            .filter(|(_, open)| {
                !open.activity.busy.load(Ordering::Acquire)
                    && now.saturating_sub(open.activity.idle_since.load(Ordering::Relaxed)) > max_idle
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &stale {
            table.evict(*id);
        }
        stale.len()
    }

    /// Nanoseconds since the table started.
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

impl Ticket {
    /// Marks the connection busy (a request is being served) or idle again.
    pub(crate) fn set_busy(&self, busy: bool) {
        if !busy {
            self.activity
                .idle_since
                .store(self.connections.now(), Ordering::Relaxed);
        }
        self.activity.busy.store(busy, Ordering::Release);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut table = self.connections.inner.lock().unwrap_or_else(PoisonError::into_inner);
        table.open.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Connections;

    #[test]
    fn the_longest_idle_connection_makes_room_and_busy_ones_are_kept() {
        let connections = Connections::default();
        let (first, mut first_evicted) = connections.admit(2).unwrap();
        let (second, mut second_evicted) = connections.admit(2).unwrap();
        second.set_busy(true);
        let (third, _third_evicted) = connections.admit(2).unwrap();
        assert!(first_evicted.try_recv().is_ok(), "the idle one went");
        assert!(second_evicted.try_recv().is_err(), "the busy one stays");
        third.set_busy(true);
        assert!(connections.admit(2).is_none(), "all busy: refused");
        drop(first);
        drop(second);
        assert!(connections.admit(2).is_some());
    }

    #[test]
    fn only_connections_idle_for_too_long_are_closed() {
        let connections = Connections::default();
        let (idle, mut idle_evicted) = connections.admit(8).unwrap();
        let (busy, mut busy_evicted) = connections.admit(8).unwrap();
        busy.set_busy(true);
        assert_eq!(
            connections.evict_idle(Duration::from_secs(3600)),
            0,
            "nobody idle for an hour"
        );
        std::thread::sleep(Duration::from_millis(20));
        let (fresh, mut fresh_evicted) = connections.admit(8).unwrap();
        // Idle for at least 20 ms: the first; the busy one and the fresh one stay.
        let closed = connections.evict_idle(Duration::from_millis(10));
        assert!(idle_evicted.try_recv().is_ok(), "the idle one went");
        assert!(busy_evicted.try_recv().is_err(), "the busy one stays");
        assert!((1..=2).contains(&closed), "{closed}");
        if closed == 1 {
            assert!(fresh_evicted.try_recv().is_err(), "the fresh one stays");
        }
        drop((idle, busy, fresh));
    }
}
