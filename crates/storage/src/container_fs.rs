//! A container's writable layer: `upper/`, `work/` and the `rootfs/` mount point.
//!
//! berthd never mounts the overlay itself: the runtime mounts [`RootfsPlan::mount_data`] on
//! `rootfs/` inside the container's mount namespace (docs/architecture.md), so nothing leaks on the
//! host when berthd dies.
//!
//! `mount(2)` copies at most one page of option data. With many or deep lower dirs the plain
//! `lowerdir=` list gets too long; then, like dockerd's overlay2 `l/` directory, the lower dirs are
//! reached through short symlinks `<container>/l/<n>`. That shortens each entry to the container
//! dir's length plus a few bytes; an image whose list is still too long is refused.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};

/// Longest overlay mount data we hand to the kernel; `mount(2)` copies at most one page of options.
pub const MOUNT_DATA_LIMIT: usize = 4000;

const UPPER: &str = "upper";
const WORK: &str = "work";
const ROOTFS: &str = "rootfs";
const LINKS: &str = "l";
const EMPTY_LOWER: &str = "lower-empty";

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
    /// for `lower_dirs` (top-most first, as `image::ImageStore::layer_dirs` returns them). An image
    /// without layers gets an empty lower dir. Calling it again for the same container keeps the
    /// existing upper dir (a restarted container keeps its changes).
    pub fn prepare(container_dir: &Path, lower_dirs: &[PathBuf]) -> Result<RootfsPlan> {
        let upper = container_dir.join(UPPER);
        let work = container_dir.join(WORK);
        let rootfs = container_dir.join(ROOTFS);
        make_dir(&upper, 0o755)?;
        make_dir(&work, 0o700)?;
        make_dir(&rootfs, 0o755)?;

        let mut lowers: Vec<PathBuf> = lower_dirs.to_vec();
        if lowers.is_empty() {
            let empty = container_dir.join(EMPTY_LOWER);
            make_dir(&empty, 0o755)?;
            lowers.push(empty);
        }
        for lower in &lowers {
            if !lower.is_dir() {
                return Err(StorageError::InvalidArgument(format!(
                    "layer directory {} does not exist",
                    lower.display()
                )));
            }
        }
        for path in [&upper, &work] {
            if !is_option_safe(path) {
                return Err(StorageError::InvalidArgument(format!(
                    "container directory {} cannot be used in overlay options (contains ',', ':' or '\\')",
                    path.display()
                )));
            }
        }

        let direct_ok = lowers.iter().all(|l| is_option_safe(l));
        let direct = mount_data(&lowers, &upper, &work);
        let mount_data = if direct_ok && direct.len() <= MOUNT_DATA_LIMIT {
            direct
        } else {
            let links = short_links(container_dir, &lowers)?;
            let data = mount_data(&links, &upper, &work);
            if data.len() > MOUNT_DATA_LIMIT {
                return Err(StorageError::InvalidArgument(format!(
                    "too many image layers ({}): overlay mount options would be {} bytes, over {MOUNT_DATA_LIMIT}",
                    lowers.len(),
                    data.len()
                )));
            }
            data
        };
        Ok(RootfsPlan {
            rootfs,
            upper,
            work,
            mount_data,
        })
    }

    /// Deletes the writable layer (`upper/`, `work/`, `rootfs/`, `l/`) of a container. Missing
    /// directories are fine. Overlay leaves `work/work` with mode 000; it is opened up first so the
    /// removal also works without CAP_DAC_OVERRIDE.
    pub fn remove(container_dir: &Path) -> Result<()> {
        let work_work = container_dir.join(WORK).join(WORK);
        if let Ok(meta) = fs::symlink_metadata(&work_work) {
            if meta.is_dir() {
                let _ = fs::set_permissions(&work_work, fs::Permissions::from_mode(0o700));
            }
        }
        for name in [UPPER, WORK, LINKS, EMPTY_LOWER, ROOTFS] {
            let path = container_dir.join(name);
            match fs::remove_dir_all(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StorageError::io(format!("remove {}", path.display()), e)),
            }
        }
        Ok(())
    }
}

fn make_dir(path: &Path, mode: u32) -> Result<()> {
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(StorageError::io(format!("create {}", path.display()), e)),
    }
}

/// Overlay splits options on `,` and lower dirs on `:`; a backslash escapes them.
fn is_option_safe(path: &Path) -> bool {
    !path
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .any(|b| matches!(b, b',' | b':' | b'\\'))
}

fn mount_data(lowers: &[PathBuf], upper: &Path, work: &Path) -> String {
    let lowerdir: Vec<String> = lowers.iter().map(|l| l.display().to_string()).collect();
    format!(
        "lowerdir={},upperdir={},workdir={}",
        lowerdir.join(":"),
        upper.display(),
        work.display()
    )
}

/// `<container>/l/<n>` → each lower dir, recreated from scratch so a re-prepare is consistent.
fn short_links(container_dir: &Path, lowers: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let links_dir = container_dir.join(LINKS);
    match fs::remove_dir_all(&links_dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(StorageError::io(
                format!("reset {}", links_dir.display()),
                e,
            ))
        }
    }
    make_dir(&links_dir, 0o700)?;
    let mut links = Vec::with_capacity(lowers.len());
    for (i, lower) in lowers.iter().enumerate() {
        let link = links_dir.join(format!("{i:x}"));
        std::os::unix::fs::symlink(lower, &link)
            .map_err(|e| StorageError::io(format!("link {}", lower.display()), e))?;
        links.push(link);
    }
    if !is_option_safe(&links_dir) {
        return Err(StorageError::InvalidArgument(format!(
            "container directory {} cannot be used in overlay options",
            container_dir.display()
        )));
    }
    Ok(links)
}
