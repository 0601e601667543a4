//! Durable metadata writes: temp file, fsync, rename, fsync(dir).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ImageError, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name for a temporary sibling that no other writer (thread or process) picks.
pub(crate) fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Replaces `path` with `bytes` so a crash leaves either the old or the new content.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| ImageError::Corrupt(format!("no parent for {}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", unique_suffix()));
    let io = |what: &str, e| ImageError::io(format!("{what} {}", path.display()), e);
    let result = (|| {
        let mut f = fs_err::File::create(&tmp).map_err(|e| io("create", e))?;
        f.write_all(bytes).map_err(|e| io("write", e))?;
        f.sync_all().map_err(|e| io("fsync", e))?;
        fs_err::rename(&tmp, path).map_err(|e| io("rename", e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Makes a rename or create in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    let d = fs_err::File::open(dir).map_err(|e| ImageError::io("open dir", e))?;
    d.sync_all()
        .map_err(|e| ImageError::io(format!("fsync {}", dir.display()), e))
}
