//! `COPY --from`: an image's root filesystem, read-only, as a *detached* overlay mount
//! (`fsopen`/`fsmount`, never attached to any mount namespace). Nothing is mounted on the host,
//! no other process or test can see it, and it goes away when the handle is dropped. The builder
//! reads it through `/proc/self/fd/<fd>`.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::mount::{FsMountFlags, FsOpenFlags, MountAttrFlags};

/// A mounted image root (or an empty dir for `scratch`).
pub(crate) struct DetachedImageRoot {
    /// Keeps the detached mount alive; dropped (unmounted) with this value.
    _mount: Option<OwnedFd>,
    /// Keeps the empty bottom layer (or the scratch root) until the mount is gone.
    _empty: tempfile::TempDir,
    root: PathBuf,
}

impl build::MountedImage for DetachedImageRoot {
    fn root(&self) -> &Path {
        &self.root
    }
}

impl DetachedImageRoot {
    /// Mounts `layers` (top-most first, overlay order) read-only. `empty` is an empty dir on the
    /// data root's filesystem: the bottom layer (overlay wants two lower layers without an upper
    /// one) and, with no layers at all, the root itself.
    pub(crate) fn mount(layers: &[PathBuf], empty: tempfile::TempDir) -> std::io::Result<Self> {
        if layers.is_empty() {
            let root = empty.path().to_path_buf();
            return Ok(DetachedImageRoot {
                _mount: None,
                _empty: empty,
                root,
            });
        }
        let err = |what: &str, e: rustix::io::Errno| {
            std::io::Error::other(format!("mount image layers ({what}): {e}"))
        };
        let fs = rustix::mount::fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)
            .map_err(|e| err("fsopen", e))?;
        // One `lowerdir+` per layer (Linux 6.8): the single-string `lowerdir` is cut at 256 bytes
        // by fsconfig, which a few data-root paths already exceed.
        for layer in layers.iter().map(PathBuf::as_path).chain([empty.path()]) {
            rustix::mount::fsconfig_set_string(&fs, "lowerdir+", layer)
                .map_err(|e| err(&format!("lowerdir+ {}", layer.display()), e))?;
        }
        rustix::mount::fsconfig_create(&fs).map_err(|e| err("create", e))?;
        let fd = rustix::mount::fsmount(
            &fs,
            FsMountFlags::FSMOUNT_CLOEXEC,
            MountAttrFlags::MOUNT_ATTR_RDONLY | MountAttrFlags::MOUNT_ATTR_NODEV,
        )
        .map_err(|e| err("fsmount", e))?;
        let root = PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
        Ok(DetachedImageRoot {
            _mount: Some(fd),
            _empty: empty,
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use build::MountedImage;

    fn is_root() -> bool {
        rustix::process::geteuid().is_root()
    }

    #[test]
    fn upper_layers_hide_lower_ones_and_nothing_stays_mounted() {
        if !is_root() {
            eprintln!("skipped: needs root (overlay mounts)");
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let (top, bottom) = (d.path().join("top"), d.path().join("bottom"));
        std::fs::create_dir_all(top.join("etc")).unwrap();
        std::fs::create_dir_all(bottom.join("etc")).unwrap();
        std::fs::write(top.join("etc/motd"), "new").unwrap();
        std::fs::write(bottom.join("etc/motd"), "old").unwrap();
        std::fs::write(bottom.join("etc/base"), "base").unwrap();
        let empty = tempfile::tempdir_in(d.path()).unwrap();
        let mounted = DetachedImageRoot::mount(&[top, bottom], empty).unwrap();
        let root = mounted.root().to_path_buf();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/motd")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("etc/base")).unwrap(),
            "base"
        );
        assert!(
            std::fs::write(root.join("etc/x"), "x").is_err(),
            "read-only"
        );
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let ours = d.path().to_string_lossy().to_string();
        assert!(
            !mounts.contains(&ours),
            "a detached mount is in no namespace"
        );
    }

    #[test]
    fn scratch_is_an_empty_dir() {
        let d = tempfile::tempdir().unwrap();
        let mounted =
            DetachedImageRoot::mount(&[], tempfile::tempdir_in(d.path()).unwrap()).unwrap();
        assert_eq!(std::fs::read_dir(mounted.root()).unwrap().count(), 0);
    }
}
