//! Which registry blobs a layer is known as (dockerd's "v2 metadata"): a pull records the
//! compressed blob digest and repository of each diff id, a push records what it uploaded. A push
//! then asks the registry about a known digest before compressing anything (`Layer already
//! exists`), or mounts the blob from another repository of the same registry (`Mounted from`).
//! Kept in `<data-root>/distribution/blob-sources.json`; losing it only costs a re-upload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::atomic::{sync_durably, write_renamed};

/// One place a layer's blob is known to live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobSource {
    /// `sha256:` of the compressed blob.
    pub digest: String,
    pub size: u64,
    /// Full repository name, `127.0.0.1:5000/demo/app` or `docker.io/library/busybox`.
    pub repository: String,
}

/// diff id → blob sources, loaded once and rewritten on change.
pub struct BlobSources {
    file: PathBuf,
    map: Mutex<BTreeMap<String, Vec<BlobSource>>>,
}

/// How many sources are kept per layer (newest first).
const MAX_SOURCES: usize = 8;

impl BlobSources {
    pub fn open(data_root: &Path) -> BlobSources {
        let file = data_root.join("distribution/blob-sources.json");
        // A missing or damaged file is an empty map: it is a cache.
        let map = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        BlobSources {
            file,
            map: Mutex::new(map),
        }
    }

    /// Sources of `diff_id`, newest first.
    pub fn get(&self, diff_id: &str) -> Vec<BlobSource> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(diff_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Forgets the sources of `diff_ids` (their layers were deleted) and writes the file.
    pub fn forget(&self, diff_ids: &[String]) {
        let bytes = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            let before = map.len();
            for diff_id in diff_ids {
                map.remove(diff_id);
            }
            if map.len() == before {
                return;
            }
            serde_json::to_vec(&*map).unwrap_or_default()
        };
        self.write(&bytes);
    }

    /// Records sources (diff id, source) and writes the file (blocking I/O).
    pub fn add(&self, entries: &[(String, BlobSource)]) {
        let bytes = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            for (diff_id, source) in entries {
                let list = map.entry(diff_id.clone()).or_default();
                list.retain(|s| s != source);
                list.insert(0, source.clone());
                list.truncate(MAX_SOURCES);
            }
            serde_json::to_vec(&*map).unwrap_or_default()
        };
        self.write(&bytes);
    }

    fn write(&self, bytes: &[u8]) {
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = write_renamed(&self.file, bytes).and_then(|_| sync_durably(&[&self.file])) {
            tracing::warn!("writing {}: {e}", self.file.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_persist_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobSources::open(dir.path());
        let a = BlobSource {
            digest: "sha256:a".into(),
            size: 1,
            repository: "r/a".into(),
        };
        let b = BlobSource {
            repository: "r/b".into(),
            ..a.clone()
        };
        s.add(&[("sha256:d".into(), a.clone())]);
        s.add(&[("sha256:d".into(), b.clone())]);
        s.add(&[("sha256:d".into(), a.clone())]);
        let again = BlobSources::open(dir.path());
        assert_eq!(again.get("sha256:d"), vec![a, b]);
        assert!(again.get("sha256:x").is_empty());

        let c = BlobSource {
            digest: "sha256:c".into(),
            size: 2,
            repository: "r/c".into(),
        };
        s.add(&[("sha256:e".into(), c.clone())]);
        s.forget(&["sha256:d".into(), "sha256:unknown".into()]);
        let again = BlobSources::open(dir.path());
        assert!(again.get("sha256:d").is_empty());
        assert_eq!(again.get("sha256:e"), vec![c]);
    }
}
