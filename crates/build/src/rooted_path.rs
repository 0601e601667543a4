//! Resolving a path inside a root directory the way dockerd's `FollowSymlinkInScope` does: every
//! symlink is followed as if the root were `/` (absolute targets restart at the root, `..` never
//! climbs above it), so the result always names something inside the root. Used for COPY/ADD
//! sources in the build context and in `--from` images, and for destinations in the image.

use std::io;
use std::path::{Path, PathBuf};

/// Linux's own limit on symlinks followed while resolving one path.
const MAX_SYMLINKS: usize = 40;

/// Resolves `path` (absolute or relative, `/`-separated) inside `root`. Returns the root-relative
/// path with no symlink in it (empty for the root itself). The last component may not exist
/// (nor may the ones after the first missing one): they are kept lexically.
pub fn resolve_in_root(root: &Path, path: &str) -> io::Result<PathBuf> {
    let mut pending: Vec<String> = path
        .split('/')
        .rev()
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_string)
        .collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut followed = 0usize;
    while let Some(component) = pending.pop() {
        if component == ".." {
            resolved.pop();
            continue;
        }
        resolved.push(component);
        // Every component is looked at, even after a missing one: `missing/../link` must
        // still follow `link` inside the root rather than leave it to the kernel.
        let current: PathBuf = root.join(resolved.iter().collect::<PathBuf>());
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                followed += 1;
                if followed > MAX_SYMLINKS {
                    return Err(io::Error::other(format!(
                        "too many links resolving {path} in {}",
                        root.display()
                    )));
                }
                let target = std::fs::read_link(&current)?;
                let target = target.to_string_lossy().into_owned();
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .rev()
                        .filter(|c| !c.is_empty() && *c != ".")
                        .map(str::to_string),
                );
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) if e.raw_os_error() == Some(20) => {} // ENOTDIR: a file in the middle
            Err(e) => return Err(e),
        }
    }
    Ok(resolved.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        symlink("/", root.join("rootlink")).unwrap();
        symlink("../../../../..", root.join("a/up")).unwrap();
        symlink("/a/b", root.join("abs")).unwrap();
        symlink("b", root.join("a/rel")).unwrap();
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        let r = |p: &str| resolve_in_root(root, p).unwrap();
        assert_eq!(r("rootlink/etc/passwd"), PathBuf::from("etc/passwd"));
        assert_eq!(r("a/up/etc"), PathBuf::from("etc"));
        assert_eq!(r("../../x"), PathBuf::from("x"));
        assert_eq!(r("/abs/file"), PathBuf::from("a/b/file"));
        assert_eq!(r("a/rel"), PathBuf::from("a/b"));
        assert_eq!(r("."), PathBuf::new());
        assert_eq!(r("missing/../a"), PathBuf::from("a"));
        assert_eq!(r("missing/../rootlink/x"), PathBuf::from("x"));
        assert!(resolve_in_root(root, "loop1").is_err());
    }
}
