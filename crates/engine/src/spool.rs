//! A blob being downloaded that the layer unpacker reads while it arrives: a pull unpacks layer
//! N from the bytes already received while layers N+1.. download in parallel into their own
//! spools. The bytes stay in memory (the network chunks themselves, no copy) up to a cap per
//! spool; a full spool holds its download back until the unpacker catches up. Writing them to a
//! file first cost as much as unpacking them (measured: 1.9 s for 150 MB instead of under 1 s).
//!
//! The reader sees the download's verdict at the end: a digest mismatch found at the end of the
//! blob becomes a read error, so the layer unpacker (which reads to the end) fails and commits
//! nothing.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bytes::{Buf, Bytes};
use tokio::sync::Notify;

#[derive(Default)]
struct State {
    chunks: VecDeque<Bytes>,
    /// Bytes in `chunks`.
    buffered: usize,
    /// Bytes appended so far.
    written: u64,
    /// `Some(Ok)` once the blob is complete and verified, `Some(Err)` when the download failed.
    done: Option<Result<(), String>>,
    /// The reader is gone: appends are dropped instead of waiting for room.
    reader_gone: bool,
}

/// One blob in transit.
pub struct Spool {
    cap: usize,
    state: Mutex<State>,
    /// Wakes the reader when bytes arrive or the download ends.
    grown: Condvar,
    /// Wakes the writer when the reader made room.
    drained: Notify,
}

/// Appends to a spool (the download side).
pub struct SpoolWriter {
    spool: Arc<Spool>,
}

/// Reads a spool from the start, waiting for bytes not yet received (the unpack side).
pub struct SpoolReader {
    spool: Arc<Spool>,
    read: u64,
    /// Called with the running total of bytes read, for `Extracting` progress.
    on_read: Option<Box<dyn FnMut(u64) + Send>>,
}

impl Spool {
    /// A spool holding at most `cap` unread bytes (a single larger chunk is still accepted).
    pub fn new(cap: usize) -> (Arc<Spool>, SpoolWriter) {
        let spool = Arc::new(Spool {
            cap,
            state: Mutex::new(State::default()),
            grown: Condvar::new(),
            drained: Notify::new(),
        });
        (spool.clone(), SpoolWriter { spool })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the spool: `Ok` after the whole blob was received and verified, `Err` otherwise.
    /// Only the first verdict counts.
    pub fn finish(&self, result: Result<(), String>) {
        let mut state = self.lock();
        if state.done.is_none() {
            state.done = Some(result);
        }
        self.grown.notify_all();
    }

    /// The reader (one per spool; bytes are handed out once).
    pub fn reader(self: &Arc<Self>) -> SpoolReader {
        SpoolReader {
            spool: self.clone(),
            read: 0,
            on_read: None,
        }
    }
}

impl SpoolWriter {
    /// Appends a chunk, waiting while the spool is full.
    pub async fn append(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        loop {
            {
                let mut state = self.spool.lock();
                if state.reader_gone {
                    state.written += chunk.len() as u64;
                    return;
                }
                if state.buffered == 0 || state.buffered + chunk.len() <= self.spool.cap {
                    state.buffered += chunk.len();
                    state.written += chunk.len() as u64;
                    state.chunks.push_back(chunk);
                    self.spool.grown.notify_all();
                    return;
                }
            }
            self.spool.drained.notified().await;
        }
    }

    pub fn written(&self) -> u64 {
        self.spool.lock().written
    }
}

impl Drop for SpoolWriter {
    /// A writer dropped without a verdict (task cancelled) must not leave the reader waiting.
    fn drop(&mut self) {
        self.spool.finish(Err("download interrupted".to_string()));
    }
}

impl SpoolReader {
    pub fn on_read(mut self, f: impl FnMut(u64) + Send + 'static) -> SpoolReader {
        self.on_read = Some(Box::new(f));
        self
    }
}

impl Drop for SpoolReader {
    fn drop(&mut self) {
        let mut state = self.spool.lock();
        state.reader_gone = true;
        state.chunks.clear();
        state.buffered = 0;
        drop(state);
        self.spool.drained.notify_one();
    }
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = {
            let mut state = self.spool.lock();
            loop {
                if let Some(front) = state.chunks.front_mut() {
                    let n = front.len().min(buf.len());
                    buf[..n].copy_from_slice(&front[..n]);
                    front.advance(n);
                    if front.is_empty() {
                        state.chunks.pop_front();
                    }
                    state.buffered -= n;
                    break n;
                }
                match &state.done {
                    Some(Ok(())) => return Ok(0),
                    Some(Err(e)) => return Err(io::Error::other(e.clone())),
                    None => {
                        state = self
                            .spool
                            .grown
                            .wait(state)
                            .unwrap_or_else(|p| p.into_inner());
                    }
                }
            }
        };
        self.spool.drained.notify_one();
        self.read += n as u64;
        if let Some(f) = self.on_read.as_mut() {
            f(self.read);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reader_follows_writer_with_backpressure_and_sees_the_verdict() {
        let (spool, mut writer) = Spool::new(8);
        let mut reader = spool.reader();
        let t = std::thread::spawn(move || {
            let mut out = Vec::new();
            reader.read_to_end(&mut out).map(|_| out)
        });
        for part in ["hello ", "wor", "ld, ", "and more"] {
            writer.append(Bytes::from(part)).await;
        }
        spool.finish(Ok(()));
        assert_eq!(t.join().unwrap().unwrap(), b"hello world, and more");

        let (spool, mut writer) = Spool::new(1024);
        let mut reader = spool.reader();
        writer.append(Bytes::from_static(b"corrupt")).await;
        spool.finish(Err("digest mismatch".into()));
        let mut out = Vec::new();
        let e = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.to_string(), "digest mismatch");
    }

    #[test]
    fn dropped_writer_fails_the_reader() {
        let (spool, writer) = Spool::new(16);
        drop(writer);
        let mut out = Vec::new();
        assert!(spool.reader().read_to_end(&mut out).is_err());
    }
}
