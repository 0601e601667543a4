//! The container's stdout/stderr: pumped from the pipes into the json-file log and to the
//! attached clients, as stdcopy frames.

use std::fs::File;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use crate::json_log::{JsonLog, LineSplitter};
use crate::shared::{lock, Shared};
use crate::stdcopy;

struct Client {
    stream: UnixStream,
    stdout: bool,
    stderr: bool,
}

/// The attached clients; closed for good once all output has ended.
pub(crate) struct AttachRegistry {
    inner: Mutex<Registry>,
    /// TTY containers send raw bytes (Docker does not frame a terminal's output).
    raw: bool,
}

#[derive(Default)]
struct Registry {
    clients: Vec<Client>,
    closed: bool,
}

impl AttachRegistry {
    pub fn new(raw: bool) -> Self {
        AttachRegistry {
            inner: Mutex::new(Registry::default()),
            raw,
        }
    }

    /// Answers the attach request with `answer` and adds the client, under the registry lock:
    /// output produced after the answer reaches the client (a start that follows the answer
    /// cannot outrun the registration), and no output frame can come before the answer line.
    /// Once the output has ended the client is answered and closed at once.
    pub fn add_answered(
        &self,
        mut stream: UnixStream,
        stdout: bool,
        stderr: bool,
        answer: impl FnOnce(&mut UnixStream) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut r = lock(&self.inner);
        answer(&mut stream)?;
        if r.closed {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(());
        }
        r.clients.push(Client {
            stream,
            stdout,
            stderr,
        });
        Ok(())
    }

    fn broadcast(&self, stream_id: u8, data: &[u8]) {
        let mut r = lock(&self.inner);
        if r.clients.is_empty() {
            return;
        }
        let frame = if self.raw {
            data.to_vec()
        } else {
            stdcopy::frame(stream_id, data)
        };
        r.clients.retain_mut(|c| {
            let wanted = if stream_id == stdcopy::STDOUT {
                c.stdout
            } else {
                c.stderr
            };
            !wanted || c.stream.write_all(&frame).is_ok()
        });
    }

    /// Ends every attach stream after the last output byte.
    pub fn close_all(&self) {
        let mut r = lock(&self.inner);
        r.closed = true;
        for c in r.clients.drain(..) {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }
}

/// Copies one output pipe until EOF. Logging happens whether or not anyone is attached.
pub(crate) fn pump(
    shared: Arc<Shared>,
    mut pipe: File,
    stream_id: u8,
    log: Option<Arc<Mutex<JsonLog>>>,
) {
    let name = if stream_id == stdcopy::STDOUT {
        "stdout"
    } else {
        "stderr"
    };
    let mut splitter = LineSplitter::default();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // A pty master reads EIO once every slave handle is closed: that is its EOF.
            Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => break,
            Err(e) => {
                eprintln!("berth-shim: reading container {name}: {e}");
                break;
            }
        };
        let chunk = &buf[..n];
        if let Some(log) = &log {
            let mut log = lock(log);
            for entry in splitter.push(chunk) {
                if let Err(e) = log.write_entry(name, &entry) {
                    eprintln!("berth-shim: writing log: {e}");
                }
            }
        }
        shared.attach.broadcast(stream_id, chunk);
    }
    if let (Some(log), Some(tail)) = (&log, splitter.finish()) {
        let _ = lock(log).write_entry(name, &tail);
    }
    let mut last = false;
    shared.update(|l| {
        l.outputs_open = l.outputs_open.saturating_sub(1);
        last = l.outputs_open == 0;
    });
    if last {
        shared.attach.close_all();
    }
}
