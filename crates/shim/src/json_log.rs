//! Docker's json-file log format: one JSON object per line of output.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// The json-file log of one container, rotated as Docker's json-file driver does: the live
/// file is `<id>-json.log`, older ones `<id>-json.log.1` (newest) … `.<max_file-1>` (oldest).
pub struct JsonLog {
    file: File,
    path: PathBuf,
    /// Bytes in the live file.
    size: u64,
    max_size: Option<u64>,
    max_file: u32,
}

fn open_append(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// `<path>.<n>`, the name of the n-th rotated file.
pub fn rotated_path(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

impl JsonLog {
    /// Opens (appending to) the log at `path`. With `max_size`, a write that would make the
    /// live file larger than that rotates first, keeping `max_file` files in all.
    pub fn open(path: &Path, max_size: Option<u64>, max_file: u32) -> std::io::Result<Self> {
        let file = open_append(path)?;
        let size = file.metadata()?.len();
        Ok(JsonLog {
            file,
            path: path.to_owned(),
            size,
            max_size,
            max_file: max_file.max(1),
        })
    }

    /// Shifts `.1`… up by one (dropping the oldest), moves the live file to `.1` and starts
    /// an empty one. With a single file, the live file is truncated instead.
    fn rotate(&mut self) -> std::io::Result<()> {
        if self.max_file <= 1 {
            self.file.set_len(0)?;
            self.size = 0;
            return Ok(());
        }
        let oldest = rotated_path(&self.path, self.max_file - 1);
        match std::fs::remove_file(&oldest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        for n in (1..self.max_file - 1).rev() {
            let from = rotated_path(&self.path, n);
            match std::fs::rename(&from, rotated_path(&self.path, n + 1)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        std::fs::rename(&self.path, rotated_path(&self.path, 1))?;
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
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
        if let Some(max) = self.max_size {
            if self.size > 0 && self.size + line.len() as u64 > max {
                self.rotate()?;
            }
        }
        self.file.write_all(&line)?;
        self.size += line.len() as u64;
        Ok(())
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
        let mut log = JsonLog::open(&path, None, 1).unwrap();
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

    #[test]
    fn rotation_keeps_max_file_files_of_at_most_max_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c-json.log");
        let mut log = JsonLog::open(&path, Some(1000), 3).unwrap();
        for i in 0..200 {
            log.write_entry("stdout", format!("line {i}\n").as_bytes())
                .unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["c-json.log", "c-json.log.1", "c-json.log.2"]);
        for name in &names {
            let len = std::fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(len <= 1000, "{name} has {len} bytes");
        }
        // The newest entries are in the live file, the ones just before in .1.
        let live = std::fs::read_to_string(&path).unwrap();
        assert!(live.contains("line 199\\n"));
        let older = std::fs::read_to_string(rotated_path(&path, 1)).unwrap();
        let first_live: serde_json::Value =
            serde_json::from_str(live.lines().next().unwrap()).unwrap();
        let last_older: serde_json::Value =
            serde_json::from_str(older.lines().last().unwrap()).unwrap();
        let n = |v: &serde_json::Value| -> u32 {
            v["log"]
                .as_str()
                .unwrap()
                .trim()
                .trim_start_matches("line ")
                .parse()
                .unwrap()
        };
        assert_eq!(n(&last_older) + 1, n(&first_live));
        // Reopening continues the live file's size accounting.
        let mut again = JsonLog::open(&path, Some(1000), 3).unwrap();
        again.write_entry("stdout", b"x\n").unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() <= 1000);
    }

    #[test]
    fn a_single_file_is_truncated_instead_of_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c-json.log");
        let mut log = JsonLog::open(&path, Some(300), 1).unwrap();
        for i in 0..50 {
            log.write_entry("stderr", format!("{i}\n").as_bytes())
                .unwrap();
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 300);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
