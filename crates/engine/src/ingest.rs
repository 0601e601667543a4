//! Layer blobs on disk while they download (design.md §3, "content store"), so a pull that
//! `kill -9` interrupted does not start over:
//!
//! - `<data-root>/content/ingest/<hex>.partial`: the compressed bytes received so far, appended
//!   while they are unpacked. The next pull re-hashes them and asks the registry only for the rest
//!   (a range request).
//! - `<data-root>/content/blobs/sha256/<hex>`: a blob whose size and digest were verified (fsync,
//!   then rename). The next pull unpacks it without any network transfer.
//!
//! Once a layer is committed, its blob is deleted: like dockerd, berth keeps only the unpacked
//! layers (a push recompresses them). `.partial` files untouched for a day are deleted at startup;
//! younger ones are kept for a resume.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use registry::Sha256;
use sha2::Digest as _;

/// `.partial` files older than this are removed at startup.
pub const STALE_PARTIAL_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The content directories under the data root.
#[derive(Debug, Clone)]
pub struct ContentIngest {
    ingest_dir: PathBuf,
    blobs_dir: PathBuf,
}

/// What is already on disk for one blob.
pub enum LocalBlob {
    /// Nothing: download from the start.
    Missing,
    /// A verified blob (at `blob_path`).
    Verified,
    /// A partial download: its length and the hasher fed with those bytes.
    Partial(u64, Sha256),
}

impl ContentIngest {
    pub fn new(data_root: &Path) -> ContentIngest {
        let content = data_root.join("content");
        ContentIngest {
            ingest_dir: content.join("ingest"),
            blobs_dir: content.join("blobs/sha256"),
        }
    }

    /// The hex part of a `sha256:<64 hex>` digest; `None` for anything else (no path tricks).
    fn hex(digest: &str) -> Option<&str> {
        match digest.split_once(':') {
            Some(("sha256", hex))
                if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Some(hex)
            }
            _ => None,
        }
    }

    pub fn partial_path(&self, digest: &str) -> Option<PathBuf> {
        Self::hex(digest).map(|h| self.ingest_dir.join(format!("{h}.partial")))
    }

    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        Self::hex(digest).map(|h| self.blobs_dir.join(h))
    }

    /// What is on disk for `digest` (blocking: a partial file is read to re-feed its hasher).
    pub fn lookup(&self, digest: &str) -> io::Result<LocalBlob> {
        let (Some(blob), Some(partial)) = (self.blob_path(digest), self.partial_path(digest))
        else {
            return Ok(LocalBlob::Missing);
        };
        if blob.is_file() {
            return Ok(LocalBlob::Verified);
        }
        let mut file = match File::open(&partial) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(LocalBlob::Missing),
            Err(e) => return Err(e),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut len = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            len += n as u64;
        }
        Ok(if len == 0 {
            LocalBlob::Missing
        } else {
            LocalBlob::Partial(len, hasher)
        })
    }

    /// Opens the partial file for appending; `truncate` starts it over.
    pub fn open_partial(&self, digest: &str, truncate: bool) -> io::Result<File> {
        let path = self
            .partial_path(digest)
            .ok_or_else(|| bad_digest(digest))?;
        std::fs::create_dir_all(&self.ingest_dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true);
        if truncate {
            options.write(true).truncate(true);
        } else {
            options.append(true);
        }
        options.open(path)
    }

    /// The download verified: fsync the partial file and rename it into the blob store.
    pub fn commit(&self, digest: &str, file: File) -> io::Result<PathBuf> {
        let partial = self
            .partial_path(digest)
            .ok_or_else(|| bad_digest(digest))?;
        let blob = self.blob_path(digest).ok_or_else(|| bad_digest(digest))?;
        file.sync_all()?;
        drop(file);
        std::fs::create_dir_all(&self.blobs_dir)?;
        std::fs::rename(&partial, &blob)?;
        File::open(&self.blobs_dir)?.sync_all()?;
        Ok(blob)
    }

    /// Forgets everything about `digest` (a bad download, or a committed layer).
    pub fn remove(&self, digest: &str) {
        for path in [self.partial_path(digest), self.blob_path(digest)]
            .into_iter()
            .flatten()
        {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("removing {}: {e}", path.display()),
            }
        }
    }

    /// Deletes the verified blob of `digest` (its layer is gone), leaving any partial download
    /// alone: a pull may be appending to it right now.
    pub fn remove_verified(&self, digest: &str) {
        if let Some(path) = self.blob_path(digest) {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("removing {}: {e}", path.display()),
            }
        }
    }

    /// Deletes `.partial` files not modified for `max_age` (startup).
    pub fn remove_stale_partials(&self, max_age: Duration) {
        let now = SystemTime::now();
        for entry in std::fs::read_dir(&self.ingest_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "partial") {
                continue;
            }
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok());
            if age.is_some_and(|a| a >= max_age) {
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!("removing stale {}: {e}", path.display());
                }
            }
        }
    }
}

fn bad_digest(digest: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("unsupported digest {digest:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn digest_of(b: &[u8]) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(b)))
    }

    #[test]
    fn partial_resumes_with_the_prefix_hash_and_commits_into_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = ContentIngest::new(dir.path());
        let d = digest_of(b"hello world");
        assert!(matches!(ingest.lookup(&d).unwrap(), LocalBlob::Missing));

        let mut f = ingest.open_partial(&d, false).unwrap();
        f.write_all(b"hello ").unwrap();
        drop(f);
        let LocalBlob::Partial(len, mut hasher) = ingest.lookup(&d).unwrap() else {
            panic!("expected a partial blob");
        };
        assert_eq!(len, 6);
        hasher.update(b"world");
        assert_eq!(format!("sha256:{}", hex::encode(hasher.finalize())), d);

        let mut f = ingest.open_partial(&d, false).unwrap();
        f.write_all(b"world").unwrap();
        let blob = ingest.commit(&d, f).unwrap();
        assert_eq!(std::fs::read(&blob).unwrap(), b"hello world");
        assert!(!ingest.partial_path(&d).unwrap().exists());
        assert!(matches!(ingest.lookup(&d).unwrap(), LocalBlob::Verified));

        ingest.remove(&d);
        assert!(!blob.exists());
        assert!(matches!(ingest.lookup(&d).unwrap(), LocalBlob::Missing));
    }

    #[test]
    fn truncate_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = ContentIngest::new(dir.path());
        let d = digest_of(b"x");
        ingest
            .open_partial(&d, false)
            .unwrap()
            .write_all(b"abc")
            .unwrap();
        ingest
            .open_partial(&d, true)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        assert_eq!(
            std::fs::read(ingest.partial_path(&d).unwrap()).unwrap(),
            b"x"
        );
    }

    #[test]
    fn only_sha256_digests_name_files() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = ContentIngest::new(dir.path());
        assert!(ingest.partial_path("sha256:../../etc/passwd").is_none());
        assert!(ingest.open_partial("sha512:abcd", false).is_err());
        assert!(matches!(
            ingest.lookup("sha256:..").unwrap(),
            LocalBlob::Missing
        ));
    }

    #[test]
    fn stale_partials_go_and_fresh_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let ingest = ContentIngest::new(dir.path());
        let old = digest_of(b"old");
        let fresh = digest_of(b"fresh");
        ingest
            .open_partial(&old, false)
            .unwrap()
            .write_all(b"o")
            .unwrap();
        ingest
            .open_partial(&fresh, false)
            .unwrap()
            .write_all(b"f")
            .unwrap();
        let day_ago = SystemTime::now() - STALE_PARTIAL_AGE - Duration::from_secs(60);
        File::options()
            .write(true)
            .open(ingest.partial_path(&old).unwrap())
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
        ingest.remove_stale_partials(STALE_PARTIAL_AGE);
        assert!(!ingest.partial_path(&old).unwrap().exists());
        assert!(ingest.partial_path(&fresh).unwrap().exists());
    }
}
