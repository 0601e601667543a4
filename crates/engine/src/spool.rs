//! A blob being downloaded into a file that can be read while it grows: a pull unpacks layer N
//! from the bytes already received while layers N+1.. download in parallel into their own
//! spools. The reader only ever sees bytes the writer wrote, and ends with the download's
//! verdict: a digest mismatch found at the end of the blob becomes a read error, so the layer
//! unpacker (which reads to the end) fails and commits nothing.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct State {
    written: u64,
    /// `Some(Ok)` once the blob is complete and verified, `Some(Err)` when the download failed.
    done: Option<Result<(), String>>,
}

/// One growing blob file.
pub struct Spool {
    path: PathBuf,
    state: Mutex<State>,
    grown: Condvar,
}

/// Appends to a spool (the download side).
pub struct SpoolWriter {
    spool: Arc<Spool>,
    file: File,
}

/// Reads a spool from the start, waiting for bytes not yet written (the unpack side).
pub struct SpoolReader {
    spool: Arc<Spool>,
    file: File,
    pos: u64,
    /// Called with the running total of bytes read, for `Extracting` progress.
    on_read: Option<Box<dyn FnMut(u64) + Send>>,
}

impl Spool {
    /// Creates the file at `path` (truncating it).
    pub fn create(path: &Path) -> io::Result<(Arc<Spool>, SpoolWriter)> {
        let file = File::create(path)?;
        let spool = Arc::new(Spool {
            path: path.to_path_buf(),
            state: Mutex::new(State::default()),
            grown: Condvar::new(),
        });
        Ok((spool.clone(), SpoolWriter { spool, file }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the spool: `Ok` after the whole blob was written and verified, `Err` otherwise.
    pub fn finish(&self, result: Result<(), String>) {
        let mut state = self.lock();
        if state.done.is_none() {
            state.done = Some(result);
        }
        self.grown.notify_all();
    }

    /// A reader from offset 0.
    pub fn reader(self: &Arc<Self>) -> io::Result<SpoolReader> {
        Ok(SpoolReader {
            spool: self.clone(),
            file: File::open(&self.path)?,
            pos: 0,
            on_read: None,
        })
    }
}

impl SpoolWriter {
    /// Appends `data` and wakes the reader.
    pub fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.file.write_all(data)?;
        let mut state = self.spool.lock();
        state.written += data.len() as u64;
        self.spool.grown.notify_all();
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.spool.lock().written
    }
}

impl Drop for SpoolWriter {
    /// A writer dropped without `finish` (task cancelled) must not leave the reader waiting.
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

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let available = {
            let mut state = self.spool.lock();
            loop {
                if state.written > self.pos {
                    break state.written - self.pos;
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
        let want = buf
            .len()
            .min(usize::try_from(available).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..want])?;
        self.pos += n as u64;
        if let Some(f) = self.on_read.as_mut() {
            f(self.pos);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_follows_writer_and_sees_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, mut writer) = Spool::create(&dir.path().join("b")).unwrap();
        let mut reader = spool.reader().unwrap();
        let t = std::thread::spawn(move || {
            let mut out = Vec::new();
            reader.read_to_end(&mut out).map(|_| out)
        });
        writer.append(b"hello ").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        writer.append(b"world").unwrap();
        spool.finish(Ok(()));
        assert_eq!(t.join().unwrap().unwrap(), b"hello world");

        let (spool, mut writer) = Spool::create(&dir.path().join("c")).unwrap();
        let mut reader = spool.reader().unwrap();
        writer.append(b"corrupt").unwrap();
        spool.finish(Err("digest mismatch".into()));
        let mut out = Vec::new();
        let e = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.to_string(), "digest mismatch");
    }

    #[test]
    fn dropped_writer_fails_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, writer) = Spool::create(&dir.path().join("b")).unwrap();
        drop(writer);
        let mut out = Vec::new();
        assert!(spool.reader().unwrap().read_to_end(&mut out).is_err());
    }
}
