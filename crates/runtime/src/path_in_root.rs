//! Resolving a container path on the host without letting symlinks in the image escape the root.

use std::path::{Component, Path, PathBuf};

const MAX_SYMLINKS: usize = 40;

/// Resolves `path` (as seen inside the container) to a host path below `root`, following
/// symlinks as if `root` were `/` (absolute link targets and `..` never leave `root`). The final
/// component need not exist.
pub fn resolve_in_root(root: &Path, path: &Path) -> PathBuf {
    let mut pending: Vec<std::ffi::OsString> = path
        .components()
        .rev()
        .filter_map(normal_or_parent)
        .collect();
    let mut resolved: Vec<std::ffi::OsString> = Vec::new();
    let mut hops = 0;
    while let Some(comp) = pending.pop() {
        if comp == ".." {
            resolved.pop();
            continue;
        }
        let mut candidate = root.to_path_buf();
        candidate.extend(&resolved);
        candidate.push(&comp);
        match std::fs::read_link(&candidate) {
            Ok(target) if hops < MAX_SYMLINKS => {
                hops += 1;
                if target.is_absolute() {
                    resolved.clear();
                }
                pending.extend(target.components().rev().filter_map(normal_or_parent));
            }
            _ => resolved.push(comp),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(resolved);
    out
}

fn normal_or_parent(c: Component<'_>) -> Option<std::ffi::OsString> {
    match c {
        Component::Normal(n) => Some(n.to_owned()),
        Component::ParentDir => Some("..".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/outside/hosts", root.join("etc/hosts")).unwrap();
        std::os::unix::fs::symlink("../../../../tmp", root.join("up")).unwrap();
        assert_eq!(
            resolve_in_root(root, Path::new("/etc/hosts")),
            root.join("outside/hosts")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/up/x")),
            root.join("tmp/x")
        );
        assert_eq!(
            resolve_in_root(root, Path::new("/a/../../b")),
            root.join("b")
        );
    }
}
