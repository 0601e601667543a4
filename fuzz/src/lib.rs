//! Helpers shared by the fuzz targets: splitting one input into several fields, and scratch
//! directories for the targets that write files (layer apply, archive load, user lookup).

use std::path::{Path, PathBuf};

/// Splits `data` at NUL bytes into at most `n` fields (the last one keeps any further NULs), so
/// one fuzz input can drive a parser that takes several strings.
pub fn fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0).collect()
}

/// `fields`, as UTF-8 strings; `None` when any field is not UTF-8 (the parsers take `&str`).
pub fn str_fields(data: &[u8], n: usize) -> Option<Vec<&str>> {
    fields(data, n)
        .into_iter()
        .map(|f| std::str::from_utf8(f).ok())
        .collect()
}

/// A fresh scratch directory for one input. `BERTH_FUZZ_TMP` chooses where (a tmpfs such as
/// /dev/shm makes the file-writing targets several times faster); the default is the system temp dir.
pub fn scratch() -> tempfile::TempDir {
    let base = std::env::var_os("BERTH_FUZZ_TMP")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix("berth-fuzz-")
        .tempdir_in(base)
        .expect("create a scratch directory")
}

/// The names directly in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the scratch directory")
        .map(|e| {
            e.expect("read a scratch entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A file outside the directory under test whose content and link count must survive the input:
/// a write or hardlink that escaped the root would change one of them.
pub struct Sentinel {
    path: PathBuf,
}

const SENTINEL_CONTENT: &[u8] = b"outside the root: must never change\n";

impl Sentinel {
    pub fn create(dir: &Path) -> Sentinel {
        let path = dir.join("sentinel");
        std::fs::write(&path, SENTINEL_CONTENT).expect("write the sentinel");
        Sentinel { path }
    }

    /// Panics (a fuzz finding) when the sentinel was written, replaced, removed or hardlinked.
    pub fn check(&self) {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(&self.path).expect("sentinel still exists");
        assert!(meta.is_file(), "sentinel replaced by another file type");
        assert_eq!(
            meta.nlink(),
            1,
            "sentinel gained a hardlink from inside the root"
        );
        let content = std::fs::read(&self.path).expect("read the sentinel");
        assert_eq!(content, SENTINEL_CONTENT, "sentinel content changed");
    }
}

/// Whether two JSON documents are equal, numbers compared as f64 within a relative 1e-15.
/// serde_json (without its `float_roundtrip` feature, as the workspace builds it) may read a long
/// decimal one unit in the last place off, so numbers berth passes through as `serde_json::Value`
/// can drift by that much through serialize/parse; anything else is a real difference.
pub fn json_approx_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-15 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_approx_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_approx_eq(v, w)))
        }
        _ => a == b,
    }
}
