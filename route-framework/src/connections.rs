//! The local server's open connections: which one to give up at the cap,
//! which have waited too long for a request, and when all have finished
//! after a shutdown.
//!
//! A connection is busy while one of its requests is being served and its
//! response sent, and idle otherwise: before its first request's head has
//! arrived (a slow or silent client) or between keep-alive requests. At the
//! cap, a new connection evicts the longest-idle one, so a flood of slow or
//! silent clients cannot keep real requests out; only when every connection
//! is busy is the new one refused. [`Connections::evict_idle`], run
//! periodically, closes those idle for longer than the head timeout: one
//! scan for all of them instead of a timer per request. On shutdown,
//! [`Connections::drain`] asks each to finish its request in flight and
//! waits until all have closed. Each connection learns what to do through
//! its own one-shot [`Close`] signal, so serving a request touches nothing
//! shared with the other connections.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, oneshot};

/// What the server asks of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Close {
    /// Close it now: it is idle and its place is needed, or it has waited
    /// too long for a request.
    Now,
    /// Finish the request in flight, if any, then close: the server is stopping.
    Drain,
}

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
    /// Its signal; taken when sent (a draining connection has none left).
    close: Option<oneshot::Sender<Close>>,
}

impl Open {
    /// Whether it can be closed now to make room: idle and not yet told anything.
    fn closable(&self) -> bool {
        self.close.is_some() && !self.activity.busy.load(Ordering::Acquire)
    }
}

/// The open connections, shared by the accept loop and the connections.
#[derive(Clone)]
pub(crate) struct Connections {
    shared: Arc<Shared>,
}

struct Shared {
    table: Mutex<Table>,
    /// Notified whenever the last open connection closes.
    emptied: Notify,
    started: Instant,
    /// When the next sweep is due, in nanoseconds from `started`: the time a
    /// connection that finishes a response takes as its idle start. While
    /// sweeps keep time it is no earlier than the true one (so none is
    /// closed early), and it costs a request no clock read.
    next_sweep: AtomicU64,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            shared: Arc::new(Shared {
                table: Mutex::default(),
                emptied: Notify::new(),
                started: Instant::now(),
                next_sweep: AtomicU64::new(0),
            }),
        }
    }
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Open>,
}

impl Table {
    /// Closes connection `id` now and forgets it.
    fn evict(&mut self, id: u64) {
        if let Some(mut evicted) = self.open.remove(&id)
            && let Some(close) = evicted.close.take()
        {
            let _ = close.send(Close::Now);
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
    /// tells it to close. At the cap the longest-idle connection is evicted;
    /// `None` when every open connection is busy.
    pub(crate) fn admit(&self, max: usize) -> Option<(Ticket, oneshot::Receiver<Close>)> {
        let mut table = self.table();
        if table.open.len() >= max {
            let oldest_idle = table
                .open
                .iter()
                .filter(|(_, open)| open.closable())
                .min_by_key(|(_, open)| open.activity.idle_since.load(Ordering::Relaxed))
                .map(|(id, _)| *id)?;
            table.evict(oldest_idle);
        }
        let (close, signal) = oneshot::channel();
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
                close: Some(close),
            },
        );
        Some((
            Ticket {
                id,
                activity,
                connections: self.clone(),
            },
            signal,
        ))
    }

    /// Closes every connection idle for longer than `max_idle`; how many.
    /// `every` is how long until the next call: connections that become
    /// idle meanwhile count as idle from then.
    pub(crate) fn evict_idle(&self, max_idle: Duration, every: Duration) -> usize {
        let now = self.now();
        let every = u64::try_from(every.as_nanos()).unwrap_or(u64::MAX);
        self.shared
            .next_sweep
            .store(now.saturating_add(every), Ordering::Relaxed);
        let max_idle = u64::try_from(max_idle.as_nanos()).unwrap_or(u64::MAX);
        let mut table = self.table();
        let stale: Vec<u64> = table
            .open
            .iter()
            .filter(|(_, open)| {
                open.closable() && now.saturating_sub(open.activity.idle_since.load(Ordering::Relaxed)) > max_idle
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &stale {
            table.evict(*id);
        }
        stale.len()
    }

    /// Tells every open connection to finish its request in flight and
    /// close, then waits until all have closed.
    pub(crate) async fn drain(&self) {
        let emptied = self.shared.emptied.notified();
        let mut emptied = std::pin::pin!(emptied);
        // Registered before looking, so the last close cannot slip between.
        emptied.as_mut().enable();
        {
            let mut table = self.table();
            for open in table.open.values_mut() {
                if let Some(close) = open.close.take() {
                    let _ = close.send(Close::Drain);
                }
            }
            if table.open.is_empty() {
                return;
            }
        }
        emptied.await;
    }

    /// The table, even if a thread panicked holding it (it stays consistent:
    /// every change is a single insert or remove).
    fn table(&self) -> MutexGuard<'_, Table> {
        self.shared.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Nanoseconds since the table started.
    fn now(&self) -> u64 {
        u64::try_from(self.shared.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

impl Ticket {
    /// Marks the connection busy (a request is being served) or idle again.
    pub(crate) fn set_busy(&self, busy: bool) {
        if !busy {
            let next_sweep = self.connections.shared.next_sweep.load(Ordering::Relaxed);
            self.activity.idle_since.store(next_sweep, Ordering::Relaxed);
        }
        self.activity.busy.store(busy, Ordering::Release);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut table = self.connections.table();
        table.open.remove(&self.id);
        if table.open.is_empty() {
            self.connections.shared.emptied.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Close, Connections};

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
            connections.evict_idle(Duration::from_secs(3600), Duration::ZERO),
            0,
            "nobody idle for an hour"
        );
        std::thread::sleep(Duration::from_millis(20));
        let (fresh, mut fresh_evicted) = connections.admit(8).unwrap();
        // Idle for at least 20 ms: the first; the busy one and the fresh one stay.
        let closed = connections.evict_idle(Duration::from_millis(10), Duration::ZERO);
        assert!(idle_evicted.try_recv().is_ok(), "the idle one went");
        assert!(busy_evicted.try_recv().is_err(), "the busy one stays");
        assert!((1..=2).contains(&closed), "{closed}");
        if closed == 1 {
            assert!(fresh_evicted.try_recv().is_err(), "the fresh one stays");
        }
        drop((idle, busy, fresh));
    }

    #[test]
    fn a_connection_idle_after_a_response_counts_from_the_next_sweep() {
        let connections = Connections::default();
        let (served, mut served_evicted) = connections.admit(8).unwrap();
        // The next sweep an hour away: its wait has not begun.
        connections.evict_idle(Duration::from_secs(3600), Duration::from_secs(3600));
        served.set_busy(true);
        served.set_busy(false);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(connections.evict_idle(Duration::from_millis(1), Duration::ZERO), 0);
        assert!(served_evicted.try_recv().is_err(), "not idle yet");
        // Sweeps back to back: it counts from the last one.
        served.set_busy(true);
        served.set_busy(false);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(connections.evict_idle(Duration::from_millis(1), Duration::ZERO), 1);
        assert!(served_evicted.try_recv().is_ok(), "idle for too long");
    }

    #[tokio::test]
    async fn drain_tells_every_connection_and_waits_until_all_have_closed() {
        let connections = Connections::default();
        let (idle, mut idle_signal) = connections.admit(8).unwrap();
        let (busy, mut busy_signal) = connections.admit(8).unwrap();
        busy.set_busy(true);
        let draining = connections.clone();
        let mut drained = tokio::spawn(async move { draining.drain().await });
        tokio::task::yield_now().await;
        assert_eq!((&mut idle_signal).await, Ok(Close::Drain));
        assert_eq!((&mut busy_signal).await, Ok(Close::Drain));
        // Told already: neither is evicted for being idle, nor replaced at the cap.
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(connections.evict_idle(Duration::from_millis(1), Duration::ZERO), 0);
        drop(idle);
        let still_open = tokio::time::timeout(Duration::from_millis(50), &mut drained).await;
        assert!(still_open.is_err(), "one connection is still open");
        drop(busy);
        tokio::time::timeout(Duration::from_secs(5), drained)
            .await
            .expect("drained once the last one closed")
            .unwrap();
        // Nothing open: nothing to wait for.
        tokio::time::timeout(Duration::from_secs(5), connections.drain())
            .await
            .expect("nothing to drain");
    }
}
