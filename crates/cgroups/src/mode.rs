//! Which cgroup hierarchy the host uses.

use std::path::Path;

use crate::CgroupError;

/// The usual cgroupfs mount point.
pub const DEFAULT_ROOT: &str = "/sys/fs/cgroup";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    /// Controllers mounted per hierarchy under `<root>/<controller>` (also "hybrid" hosts,
    /// where an extra cgroup2 sits at `<root>/unified`).
    V1,
    /// The unified hierarchy mounted at `<root>`.
    V2,
}

/// Detects the mode at [`DEFAULT_ROOT`].
pub fn detect_mode() -> Result<CgroupMode, CgroupError> {
    detect_mode_at(Path::new(DEFAULT_ROOT))
}

/// Detects the mode of the cgroupfs tree at `root`: a cgroup2 filesystem at `root` is v2; v1
/// controller directories under `root` mean v1 even if a cgroup2 is mounted somewhere below.
/// A plain directory with `cgroup.controllers` (a fake tree) counts as v2.
pub fn detect_mode_at(root: &Path) -> Result<CgroupMode, CgroupError> {
    if let Ok(fs) = nix::sys::statfs::statfs(root) {
        if fs.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC {
            return Ok(CgroupMode::V2);
        }
    }
    for ctrl in ["memory", "pids", "cpu", "freezer"] {
        if root.join(ctrl).join("cgroup.procs").exists() {
            return Ok(CgroupMode::V1);
        }
    }
    if root.join("cgroup.controllers").exists() {
        return Ok(CgroupMode::V2);
    }
    Err(CgroupError::Unsupported(root.to_owned()))
}
