//! The local server's log writer: a logging thread appends its line to a
//! shared buffer and goes on; a writer thread writes the buffer out in
//! batches, so a request costs a short lock and a copy, not a system call or
//! a wake-up of another thread.
//!
//! Lines appear at most [`INTERVAL`] after they are logged. None is lost: a
//! logging thread that finds [`LIMIT`] bytes waiting waits for room, and
//! dropping the [`Guard`] writes out what is left. A line logged after that
//! is written by the thread that logs it.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait before the writer writes it out.
pub(crate) const INTERVAL: Duration = Duration::from_millis(25);
/// Bytes waiting at which the writer does not wait for [`INTERVAL`].
const BATCH: usize = 64 * 1024;
/// Bytes waiting at which logging threads wait for the writer.
pub(crate) const LIMIT: usize = 4 * 1024 * 1024;

/// What the logging threads and the writer share.
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer: the buffer is no longer empty, is a batch, or is closed.
    writer: Condvar,
    /// Wakes logging threads waiting for room.
    room: Condvar,
}

#[derive(Default)]
struct State {
    waiting: Vec<u8>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Appends log lines for the writer thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Batched {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, once everything waiting is written.
pub(crate) struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread, writing to `out`.
pub(crate) fn start(out: impl Write + Send + 'static) -> io::Result<(Batched, Guard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        writer: Condvar::new(),
        room: Condvar::new(),
    });
    let thread = std::thread::Builder::new().name("log-writer".to_owned()).spawn({
        let shared = Arc::clone(&shared);
        move || write_out(&shared, out)
    })?;
    let guard = Guard {
        shared: Arc::clone(&shared),
        thread: Some(thread),
    };
    Ok((Batched { shared }, guard))
}

/// The writer thread: waits for a line, gives later lines [`INTERVAL`] to
/// join it, writes them all, until closed and empty.
fn write_out(shared: &Shared, mut out: impl Write) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let mut state = shared.lock();
        while state.waiting.is_empty() && !state.closed {
            state = shared.writer.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if !state.closed && state.waiting.len() < BATCH {
            state = shared
                .writer
                .wait_timeout_while(state, INTERVAL, |state| state.waiting.len() < BATCH && !state.closed)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        std::mem::swap(&mut state.waiting, &mut batch);
        let (closed, full) = (state.closed, batch.len() >= LIMIT);
        drop(state);
        if full {
            shared.room.notify_all();
        }
        // A write that fails (stderr closed) has nowhere to report to.
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
        if closed && shared.lock().waiting.is_empty() {
            return;
        }
    }
}

impl Batched {
    /// Queues one line (or writes it, once the writer has stopped).
    fn append(&self, line: &[u8]) {
        let mut state = self.shared.lock();
        while state.waiting.len() >= LIMIT && !state.closed {
            state = self.shared.room.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            drop(state);
            let _ = io::stderr().write_all(line);
            return;
        }
        let was_empty = state.waiting.is_empty();
        state.waiting.extend_from_slice(line);
        let batch = state.waiting.len() >= BATCH && state.waiting.len() - line.len() < BATCH;
        drop(state);
        // Only the first line of a batch, and the one that fills it, wake the writer.
        if was_empty || batch {
            self.shared.writer.notify_one();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.writer.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One logging thread's handle on the buffer: each `write` is one whole line
/// (tracing's fmt layer writes each event with one call).
pub(crate) struct LineWriter<'a>(&'a Batched);

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.0.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A sink that records what it was given, and how many writes.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicUsize>,
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            self.writes.fetch_add(1, Ordering::Relaxed);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_of_every_thread_is_written_whole_and_in_its_order() {
        let sink = Sink::default();
        let (batched, guard) = start(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let batched = batched.clone();
                std::thread::spawn(move || {
                    for line in 0..20_000 {
                        // One write per line, as tracing's fmt layer writes each event.
                        let text = format!("{thread} {line} {}\n", "x".repeat(line % 300));
                        batched.make_writer().write_all(text.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        let mut next = [0; 4];
        for line in text.lines() {
            let mut parts = line.split(' ');
            let thread: usize = parts.next().unwrap().parse().unwrap();
            let number: usize = parts.next().unwrap().parse().unwrap();
            assert_eq!(number, next[thread], "thread {thread}'s lines out of order");
            assert_eq!(parts.next().unwrap().len(), number % 300, "line {line:?} cut");
            next[thread] += 1;
        }
        assert_eq!(next, [20_000; 4]);
        // Batched: far fewer writes than lines.
        let writes = sink.writes.load(Ordering::Relaxed);
        assert!(writes < 80_000 / 10, "{writes} writes for 80,000 lines");
    }

    #[test]
    fn a_line_alone_is_written_without_waiting_for_more() {
        let sink = Sink::default();
        let (batched, guard) = start(sink.clone()).unwrap();
        batched.make_writer().write_all(b"alone\n").unwrap();
        // Bounded: the writer writes it after its interval, not at the end.
        for _ in 0..200 {
            if !sink.bytes.lock().unwrap().is_empty() {
                break;
            }
            std::thread::sleep(INTERVAL / 5);
        }
        assert_eq!(sink.bytes.lock().unwrap().as_slice(), b"alone\n");
        drop(guard);
    }
}
