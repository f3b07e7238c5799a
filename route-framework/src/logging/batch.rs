//! The local server's log writer: a logging thread appends its line to a
//! buffer of its own and goes on; a writer thread writes the buffers out in
//! batches, so a request costs a short lock that no other logging thread
//! contends and a copy, not a system call or a wake-up of another thread.
//!
//! Lines appear at most [`INTERVAL`] after they are logged. None is lost: a
//! logging thread that finds [`LIMIT`] bytes of its own waiting waits for
//! room, a thread that ends leaves its buffer to be written, and dropping the
//! [`Guard`] writes out what is left. A line logged after that is written by
//! the thread that logs it.
//!
//! Each thread's lines keep their order. Lines that different threads log
//! within one batch come out one thread's after the other's: each carries
//! its own timestamp. (One shared buffer kept them interleaved, but both
//! cores took its lock for every request, at a measured 0.09 µs each.)

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait before the writer writes it out.
pub(crate) const INTERVAL: Duration = Duration::from_millis(25);
/// Bytes a thread has waiting at which the writer does not wait for [`INTERVAL`].
const BATCH: usize = 64 * 1024;
/// Bytes a thread has waiting at which it waits for the writer.
pub(crate) const LIMIT: usize = 4 * 1024 * 1024;

/// Locks `mutex`, even if a thread panicked holding it: a log buffer stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the logging threads and the writer share.
struct Shared {
    /// Tells a thread's lines for this writer from another writer's.
    id: u64,
    /// Every logging thread's buffer, registered at its first line.
    buffers: Mutex<Vec<Arc<Buffer>>>,
    /// Set once by [`Guard`]: read under each buffer's lock (see [`Buffer`]).
    closed: AtomicBool,
    wake: Mutex<Wake>,
    /// Wakes the writer: a buffer is no longer empty, or is a batch, or the
    /// writer is closed.
    writer: Condvar,
}

/// Why the writer should wake.
#[derive(Default)]
struct Wake {
    /// A buffer has lines.
    pending: bool,
    /// A buffer holds a batch.
    full: bool,
    closed: bool,
}

/// One logging thread's lines. A line appended while `closed` reads false
/// under this lock is one the writer's last pass, which takes this lock
/// after `closed` is set, still finds.
#[derive(Default)]
struct Buffer {
    lines: Mutex<Vec<u8>>,
    /// Wakes its thread when it waits for room.
    room: Condvar,
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
    static IDS: AtomicU64 = AtomicU64::new(0);
    let shared = Arc::new(Shared {
        id: IDS.fetch_add(1, Ordering::Relaxed),
        buffers: Mutex::default(),
        closed: AtomicBool::new(false),
        wake: Mutex::default(),
        writer: Condvar::new(),
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
/// join it, writes every buffer's lines, until closed and written out.
fn write_out(shared: &Shared, mut out: impl Write) {
    let mut spare = Vec::with_capacity(BATCH);
    loop {
        let mut wake = lock(&shared.wake);
        while !wake.pending && !wake.closed {
            wake = shared.writer.wait(wake).unwrap_or_else(PoisonError::into_inner);
        }
        if !wake.closed && !wake.full {
            wake = shared
                .writer
                .wait_timeout_while(wake, INTERVAL, |wake| !wake.full && !wake.closed)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let closed = wake.closed;
        *wake = Wake {
            closed,
            ..Wake::default()
        };
        drop(wake);
        // A thread that ended has left its buffer (the list's and this copy
        // are the only references): written out this time, then forgotten.
        let buffers: Vec<Arc<Buffer>> = {
            let mut buffers = lock(&shared.buffers);
            let all = buffers.clone();
            buffers.retain(|buffer| Arc::strong_count(buffer) > 2 || !lock(&buffer.lines).is_empty());
            all
        };
        for buffer in &buffers {
            let mut lines = lock(&buffer.lines);
            if lines.is_empty() {
                continue;
            }
            std::mem::swap(&mut *lines, &mut spare);
            let full = spare.len() >= LIMIT;
            drop(lines);
            if full {
                buffer.room.notify_all();
            }
            // A write that fails (stderr closed) has nowhere to report to.
            let _ = out.write_all(&spare);
            spare.clear();
        }
        let _ = out.flush();
        if closed {
            return;
        }
    }
}

impl Batched {
    /// Queues one line in this thread's buffer, registered with the writer
    /// at the thread's first line (or writes it, once the writer has stopped).
    fn append(&self, line: &[u8]) {
        thread_local! {
            /// This thread's buffer with each writer (one, but for tests).
            static OWN: RefCell<Vec<(u64, Arc<Buffer>)>> = const { RefCell::new(Vec::new()) };
        }
        let id = self.shared.id;
        let appended = OWN.try_with(|own| {
            let Ok(mut own) = own.try_borrow_mut() else {
                return false;
            };
            let at = match own.iter().position(|(of, _)| *of == id) {
                Some(at) => at,
                None => {
                    // Writers gone have let go of their buffers.
                    own.retain(|(_, buffer)| Arc::strong_count(buffer) > 1);
                    own.push((id, self.register()));
                    own.len() - 1
                }
            };
            self.append_to(&own[at].1, line);
            true
        });
        // A thread on its way out: a buffer for this line alone.
        if !appended.unwrap_or(false) {
            self.append_to(&self.register(), line);
        }
    }

    /// Queues `line` in `buffer`, this thread's.
    fn append_to(&self, buffer: &Buffer, line: &[u8]) {
        let closed = || self.shared.closed.load(Ordering::Acquire);
        let mut lines = lock(&buffer.lines);
        while lines.len() >= LIMIT && !closed() {
            lines = buffer.room.wait(lines).unwrap_or_else(PoisonError::into_inner);
        }
        if closed() {
            drop(lines);
            let _ = io::stderr().write_all(line);
            return;
        }
        let was_empty = lines.is_empty();
        lines.extend_from_slice(line);
        let batch = lines.len() >= BATCH && lines.len() - line.len() < BATCH;
        drop(lines);
        // Only the first line of a batch, and the one that fills it, wake the writer.
        if was_empty || batch {
            let mut wake = lock(&self.shared.wake);
            wake.pending = true;
            wake.full |= batch;
            drop(wake);
            self.shared.writer.notify_one();
        }
    }

    /// A new buffer the writer writes out.
    fn register(&self) -> Arc<Buffer> {
        let buffer = Arc::new(Buffer::default());
        lock(&self.shared.buffers).push(Arc::clone(&buffer));
        buffer
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        lock(&self.shared.wake).closed = true;
        self.shared.writer.notify_one();
        for buffer in lock(&self.shared.buffers).iter() {
            // Under its lock, so a thread about to wait for room sees `closed`.
            drop(lock(&buffer.lines));
            buffer.room.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One logging thread's handle on its buffer: each `write` is one whole line
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
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// A sink that records what it was given, how many writes and the
    /// largest, taking `delay` over each.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicUsize>,
        largest: Arc<AtomicUsize>,
        delay: Duration,
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            std::thread::sleep(self.delay);
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            self.writes.fetch_add(1, Ordering::Relaxed);
            self.largest.fetch_max(bytes.len(), Ordering::Relaxed);
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

    #[test]
    fn a_thread_far_ahead_of_a_slow_writer_waits_for_room_and_loses_nothing() {
        let sink = Sink {
            delay: Duration::from_millis(50),
            ..Sink::default()
        };
        let (batched, guard) = start(sink.clone()).unwrap();
        let line = |number: usize| format!("{number:09} {}\n", "x".repeat(990));
        // 12 MB, three times what a thread may have waiting.
        for number in 0..12_000 {
            batched.make_writer().write_all(line(number).as_bytes()).unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 12_000);
        for (number, written) in text.lines().enumerate() {
            assert_eq!(format!("{written}\n"), line(number), "line {number}");
        }
        // Never more than the limit and the line that reached it at once.
        let largest = sink.largest.load(Ordering::Relaxed);
        assert!(largest <= LIMIT + 1_000, "{largest} bytes written at once");
    }
}
