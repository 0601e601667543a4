//! The init → parent report channel: a CLOEXEC pipe. The init writes `R` when it is set up
//! and waiting, or `E<message>` before exiting on failure; a successful execve closes the pipe
//! without a word (close-on-exec), which is how the parent learns that the exec happened.

use std::io::{Read, Write};

pub(crate) const READY: u8 = b'R';
pub(crate) const ERROR: u8 = b'E';

pub(crate) enum Report {
    Ready,
    Error(String),
    /// EOF without a message: the init exec'd (or died silently).
    Closed,
}

/// Reads the next report; blocks until the init writes or the pipe closes.
pub(crate) fn read_report(pipe: &mut std::fs::File) -> std::io::Result<Report> {
    let mut first = [0u8; 1];
    loop {
        match pipe.read(&mut first) {
            Ok(0) => return Ok(Report::Closed),
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    match first[0] {
        READY => Ok(Report::Ready),
        _ => {
            let mut rest = Vec::new();
            pipe.read_to_end(&mut rest)?;
            Ok(Report::Error(String::from_utf8_lossy(&rest).into_owned()))
        }
    }
}

pub(crate) fn write_error(pipe: &mut std::fs::File, message: &str) {
    let mut buf = Vec::with_capacity(message.len() + 1);
    buf.push(ERROR);
    buf.extend_from_slice(message.as_bytes());
    // Nothing else can be done if the parent is gone.
    let _ = pipe.write_all(&buf);
}
