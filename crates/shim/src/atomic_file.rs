//! Durable metadata writes: temp file, fsync, rename, fsync(dir).

use std::io::Write;
use std::path::Path;

pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A file already in place (atomically renamed) whose durability is still pending.
pub struct PendingSync {
    file: std::fs::File,
    dir: std::path::PathBuf,
}

impl PendingSync {
    /// fsyncs the file and its directory.
    pub fn sync(self) -> std::io::Result<()> {
        self.file.sync_all()?;
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

/// Like [`write_atomic`], but readers see the complete new file at once while the fsyncs are
/// left to [`PendingSync::sync`], for paths where an answer must not wait for the disk.
pub fn write_atomic_sync_later(path: &Path, contents: &[u8]) -> std::io::Result<PendingSync> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        std::fs::rename(&tmp, path)?;
        Ok(PendingSync {
            file: f,
            dir: dir.clone(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exit.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic_sync_later(&path, b"two")
            .unwrap()
            .sync()
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
