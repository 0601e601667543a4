//! Removing what a container left on the host: its directory, shim socket and cgroups.

use std::path::Path;

/// Removes the container's cgroup (every v1 controller and the v2 tree), then its parent if empty.
/// Best effort: the shim normally removes it first.
pub fn remove_cgroup(cgroups_path: &str) {
    let rel = cgroups_path.trim_start_matches('/');
    if rel.is_empty() {
        return;
    }
    let root = Path::new("/sys/fs/cgroup");
    let mut bases = vec![root.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                bases.push(e.path());
            }
        }
    }
    for base in bases {
        let dir = base.join(rel);
        if dir.is_dir() {
            let _ = std::fs::remove_dir(&dir);
        }
        // The per-daemon parent (`/<cgroup-parent>`) goes away with its last container.
        if let Some(parent) = dir.parent() {
            if parent != base && parent.starts_with(&base) {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
}

/// Removes a directory tree, ignoring "already gone". A shim that is exiting may still add a file
/// (its exit record) while the tree is removed, so "not empty" is retried for a short while.
pub fn remove_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut attempts = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
