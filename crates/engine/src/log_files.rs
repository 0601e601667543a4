//! The json-file log as files on disk: rotated files (`<id>-json.log.N` … `.1`, oldest first)
//! then the live file, and a follower that keeps reading across rotations (it holds the live
//! file open and moves to the new one once the old is drained).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::logs::{parse_lines, LogEntry};

/// Rotated files of `live`, oldest first (`.N` … `.1`).
pub fn rotated_files(live: &Path) -> Vec<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    let (Some(dir), Some(name)) = (live.parent(), live.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.", name.to_string_lossy());
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if let Some(num) = n.strip_prefix(&prefix).and_then(|s| s.parse::<u32>().ok()) {
                found.push((num, e.path()));
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Reads whole lines from an open log file, remembering a partial last line.
pub struct LogFollower {
    path: PathBuf,
    file: Option<File>,
    partial: Vec<u8>,
}

impl LogFollower {
    /// Every entry logged so far (rotated files, then the live file) and a follower positioned
    /// after them.
    pub fn open_all(live: &Path) -> std::io::Result<(Vec<LogEntry>, LogFollower)> {
        let mut entries = Vec::new();
        // Open the live file first: a rotation while the rotated files are read is then seen
        // by the follower (its inode no longer matches), not lost.
        let mut follower = LogFollower {
            path: live.to_path_buf(),
            file: open_optional(live)?,
            partial: Vec::new(),
        };
        for p in rotated_files(live) {
            let mut buf = Vec::new();
            if let Some(mut f) = open_optional(&p)? {
                f.read_to_end(&mut buf)?;
            }
            entries.extend(parse_lines(&buf).0);
        }
        entries.extend(follower.read_new()?);
        Ok((entries, follower))
    }

    /// Complete entries written since the last call, following a rotation of the live file.
    pub fn read_new(&mut self) -> std::io::Result<Vec<LogEntry>> {
        let mut out = Vec::new();
        loop {
            // Decide about rotation before draining, so nothing written to the old file
            // between the two steps is missed.
            let rotated = match (&self.file, std::fs::metadata(&self.path)) {
                (Some(f), Ok(md)) => f.metadata().map(|m| m.ino() != md.ino()).unwrap_or(true),
                (None, Ok(_)) => true,
                (_, Err(_)) => false,
            };
            let old_ino = self
                .file
                .as_ref()
                .and_then(|f| f.metadata().ok())
                .map(|m| m.ino());
            if let Some(f) = self.file.as_mut() {
                f.read_to_end(&mut self.partial)?;
                let (entries, consumed) = parse_lines(&self.partial);
                self.partial.drain(..consumed);
                out.extend(entries);
            }
            if !rotated {
                return Ok(out);
            }
            // Several rotations may have happened since the last read: the files rotated after
            // ours (lower numbers) come before the new live file.
            if let Some(old_ino) = old_ino {
                let chain = rotated_files(&self.path);
                let pos = chain.iter().position(|p| {
                    std::fs::metadata(p)
                        .map(|m| m.ino() == old_ino)
                        .unwrap_or(false)
                });
                if let Some(pos) = pos {
                    for p in &chain[pos + 1..] {
                        let mut buf = Vec::new();
                        if let Some(mut f) = open_optional(p)? {
                            f.read_to_end(&mut buf)?;
                        }
                        out.extend(parse_lines(&buf).0);
                    }
                }
            }
            self.file = open_optional(&self.path)?;
            self.partial.clear();
            if self.file.is_none() {
                return Ok(out);
            }
        }
    }
}

fn open_optional(path: &Path) -> std::io::Result<Option<File>> {
    match File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn line(s: &str) -> String {
        format!("{{\"log\":\"{s}\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T10:00:00Z\"}}\n")
    }

    #[test]
    fn reads_rotated_then_live_and_follows_rotation() {
        let d = tempfile::tempdir().unwrap();
        let live = d.path().join("x-json.log");
        std::fs::write(d.path().join("x-json.log.2"), line("a")).unwrap();
        std::fs::write(d.path().join("x-json.log.1"), line("b")).unwrap();
        std::fs::write(&live, line("c")).unwrap();
        let (entries, mut f) = LogFollower::open_all(&live).unwrap();
        let logs: Vec<&str> = entries.iter().map(|e| e.log.as_str()).collect();
        assert_eq!(logs, vec!["a\n", "b\n", "c\n"]);

        // A last line in the old file, then rotation, then a line in the new live file.
        let mut old = std::fs::OpenOptions::new()
            .append(true)
            .open(&live)
            .unwrap();
        old.write_all(line("d").as_bytes()).unwrap();
        std::fs::rename(&live, d.path().join("x-json.log.1")).unwrap();
        std::fs::write(&live, line("e")).unwrap();
        let logs: Vec<String> = f.read_new().unwrap().into_iter().map(|e| e.log).collect();
        assert_eq!(logs, vec!["d\n", "e\n"]);
        assert!(f.read_new().unwrap().is_empty());

        // Two rotations between reads: the middle file is not skipped.
        let rotate = |next: &str| {
            let n = |i: u32| d.path().join(format!("x-json.log.{i}"));
            let _ = std::fs::rename(n(2), n(3));
            std::fs::rename(n(1), n(2)).unwrap();
            std::fs::rename(&live, n(1)).unwrap();
            std::fs::write(&live, line(next)).unwrap();
        };
        rotate("f");
        rotate("g");
        let logs: Vec<String> = f.read_new().unwrap().into_iter().map(|e| e.log).collect();
        assert_eq!(logs, vec!["f\n", "g\n"]);
    }
}
