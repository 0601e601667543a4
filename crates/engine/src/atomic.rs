//! Crash-safe metadata writes: temp file, rename, and fsync of the file and its directory.
//!
//! fsync costs ~10 ms on the CI disks, so the hot path splits the work: [`write_renamed`] makes
//! the new content visible atomically, and [`sync_durably`] (run off the request path, or in
//! parallel with other work) makes it durable.

use std::io::Write;
use std::path::{Path, PathBuf};

fn temp_path(path: &Path) -> std::io::Result<PathBuf> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent"))?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    Ok(dir.join(format!(".{}.tmp", name.to_string_lossy())))
}

/// Replaces `path` with `bytes` atomically (readers see the old or the new content, never a
/// mix); not yet durable: follow with [`sync_durably`].
pub fn write_renamed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path)?;
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
    }
    std::fs::rename(&tmp, path)
}

/// fsyncs each file, then each distinct parent directory (which persists the renames).
pub fn sync_durably(paths: &[&Path]) -> std::io::Result<()> {
    let mut dirs: Vec<&Path> = Vec::new();
    for p in paths {
        std::fs::File::open(p)?.sync_all()?;
        if let Some(d) = p.parent() {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    for d in dirs {
        std::fs::File::open(d)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("container.json");
        write_renamed(&p, b"one").unwrap();
        write_renamed(&p, b"two").unwrap();
        sync_durably(&[&p]).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn renamed_then_synced() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        let b = dir.path().join("b.json");
        write_renamed(&a, b"a").unwrap();
        write_renamed(&b, b"b").unwrap();
        sync_durably(&[&a, &b]).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"b");
        assert!(sync_durably(&[&dir.path().join("missing")]).is_err());
    }
}
