//! A container's writable layer: `upper/`, `work/` and the `rootfs/` mount point.

use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};

/// Longest overlay mount data we hand to the kernel; `mount(2)` copies at most one page of options.
pub const MOUNT_DATA_LIMIT: usize = 4000;

/// What the runtime needs to mount a container's root filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootfsPlan {
    /// The empty mount point (`<container>/rootfs`).
    pub rootfs: PathBuf,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// `lowerdir=<l1>:<l2>,upperdir=<upper>,workdir=<work>`, for the `org.berth.rootfs.overlay` annotation.
    pub mount_data: String,
}

/// Creates and removes container root filesystems.
pub struct ContainerFs;

impl ContainerFs {
    /// Creates `upper/`, `work/` and `rootfs/` under `container_dir` and builds the overlay mount data
    /// for `lower_dirs` (top-most first, as `image::ImageStore::layer_dirs` returns them).
    pub fn prepare(container_dir: &Path, lower_dirs: &[PathBuf]) -> Result<RootfsPlan> {
        let _ = (container_dir, lower_dirs);
        Err(StorageError::InvalidArgument(
            "prepare: not implemented yet".into(),
        ))
    }

    /// Deletes the writable layer (`upper/`, `work/`, `rootfs/`, `l/`) of a container.
    pub fn remove(container_dir: &Path) -> Result<()> {
        let _ = container_dir;
        Err(StorageError::io(
            "remove",
            std::io::Error::other("not implemented yet"),
        ))
    }
}
