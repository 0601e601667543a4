//! Docker's json-file log format: one JSON object per line of output.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

/// Docker splits lines longer than this into several entries.
const MAX_ENTRY: usize = 16 * 1024;

#[derive(Serialize)]
struct Entry<'a> {
    log: &'a str,
    stream: &'a str,
    time: String,
}

pub struct JsonLog {
    file: File,
}

impl JsonLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonLog { file })
    }

    /// Appends one entry; `stream` is "stdout" or "stderr".
    pub fn write_entry(&mut self, stream: &str, data: &[u8]) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(data);
        let entry = Entry {
            log: &text,
            stream,
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }
}

/// Splits a stream of output chunks into log entries at newlines (kept in the entry, as
/// Docker does); an unterminated tail waits for more data or for [`LineSplitter::finish`].
#[derive(Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Feeds a chunk; returns the complete entries it finished.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.pending.extend_from_slice(chunk);
        let mut out = Vec::new();
        while let Some(pos) = self.pending.iter().position(|b| *b == b'\n') {
            let rest = self.pending.split_off(pos + 1);
            out.push(std::mem::replace(&mut self.pending, rest));
        }
        while self.pending.len() >= MAX_ENTRY {
            let rest = self.pending.split_off(MAX_ENTRY);
            out.push(std::mem::replace(&mut self.pending, rest));
        }
        out
    }

    /// The unterminated tail at end of stream, if any.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_newlines_and_keeps_tails() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"a\nb"), vec![b"a\n".to_vec()]);
        assert_eq!(s.push(b"c\n\n"), vec![b"bc\n".to_vec(), b"\n".to_vec()]);
        assert_eq!(s.push(b"tail"), Vec::<Vec<u8>>::new());
        assert_eq!(s.finish(), Some(b"tail".to_vec()));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn entries_have_docker_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-json.log");
        let mut log = JsonLog::open(&path).unwrap();
        log.write_entry("stdout", b"tick\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["log"], "tick\n");
        assert_eq!(v["stream"], "stdout");
        let time = v["time"].as_str().unwrap();
        assert!(
            time.ends_with('Z') && time.len() == "2026-11-22T10:00:00.123456789Z".len(),
            "{time}"
        );
    }
}
