//! The local server's open connections, and which one to give up at the cap.
//!
//! A connection is busy while one of its requests is being served, and idle
//! otherwise: before its first request's head has arrived (a slow or silent
//! client) or between keep-alive requests. At the cap, a new connection
//! evicts the longest-idle one, so a flood of slow or silent clients cannot
//! keep real requests out; only when every connection is busy is the new one
//! refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::oneshot;

/// One open connection.
struct Open {
    /// When it last became idle (or opened).
    idle_since: Instant,
    busy: bool,
    /// Closes it.
    evict: Option<oneshot::Sender<()>>,
}

/// The open connections, shared by the accept loop and the connections.
#[derive(Clone, Default)]
pub(crate) struct Connections {
    inner: Arc<Mutex<Table>>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Open>,
}

/// A connection's place in the table; leaving it removes the connection.
pub(crate) struct Ticket {
    id: u64,
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
                .filter(|(_, open)| !open.busy)
                .min_by_key(|(_, open)| open.idle_since)
                .map(|(id, _)| *id)?;
            if let Some(mut evicted) = table.open.remove(&oldest_idle)
                && let Some(evict) = evicted.evict.take()
            {
                let _ = evict.send(());
            }
        }
        let (evict, evicted) = oneshot::channel();
        let id = table.next_id;
        table.next_id += 1;
        table.open.insert(
            id,
            Open {
                idle_since: Instant::now(),
                busy: false,
                evict: Some(evict),
            },
        );
        Some((
            Ticket {
                id,
                connections: self.clone(),
            },
            evicted,
        ))
    }
}

impl Ticket {
    /// Marks the connection busy (a request is being served) or idle again.
    pub(crate) fn set_busy(&self, busy: bool) {
        let mut table = self.connections.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = table.open.get_mut(&self.id) {
            open.busy = busy;
            if !busy {
                open.idle_since = Instant::now();
            }
        }
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
}
