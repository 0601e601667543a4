//! The version-independent interface to one container's cgroup.

use std::path::Path;

use nix::sys::signal::Signal;

use crate::{
    detect_mode_at, CgroupError, CgroupMode, Resources, Stats, V1Manager, V2Manager, DEFAULT_ROOT,
};

/// One container cgroup (`linux.cgroupsPath`) in either hierarchy.
pub trait CgroupManager: Send + Sync {
    /// Creates the cgroup (and its parents).
    fn create(&self) -> Result<(), CgroupError>;
    /// Writes the limits that are set in `resources`.
    fn apply(&self, resources: &Resources) -> Result<(), CgroupError>;
    /// Moves `pid` into the cgroup.
    fn add_pid(&self, pid: i32) -> Result<(), CgroupError>;
    /// Opens, per hierarchy, the file through which a single-threaded process moves *itself*
    /// into the cgroup by writing `0` to it (see [`SelfAttach`]). Opened by a parent before it
    /// forks, written by the child: v1 `tasks` moves just the calling thread, which spares the
    /// kernel's global threadgroup lock and its RCU grace period (10-20 ms per move with
    /// `cgroup.procs`); v2 has only `cgroup.procs`.
    fn open_self_attach(&self) -> Result<SelfAttach, CgroupError>;
    /// Processes currently in the cgroup.
    fn pids(&self) -> Result<Vec<i32>, CgroupError>;
    fn stats(&self) -> Result<Stats, CgroupError>;
    /// How many times the kernel's OOM killer killed a task of this cgroup.
    fn oom_kill_count(&self) -> Result<u64, CgroupError>;
    fn freeze(&self) -> Result<(), CgroupError>;
    fn thaw(&self) -> Result<(), CgroupError>;
    /// Sends `signal` to every process in the cgroup.
    fn kill_all(&self, signal: Signal) -> Result<(), CgroupError> {
        for pid in self.pids()? {
            match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal) {
                Ok(()) | Err(nix::Error::ESRCH) => {}
                Err(source) => return Err(CgroupError::Signal { pid, source }),
            }
        }
        Ok(())
    }
    /// Removes the cgroup, child cgroups first. Absent cgroups are not an error.
    fn remove(&self) -> Result<(), CgroupError>;
}

/// The manager for `cgroup_path` on this host (mode detected at /sys/fs/cgroup).
pub fn open(cgroup_path: &Path) -> Result<Box<dyn CgroupManager>, CgroupError> {
    open_at(Path::new(DEFAULT_ROOT), cgroup_path)
}

/// The manager for `cgroup_path` below the cgroupfs tree at `root`.
pub fn open_at(root: &Path, cgroup_path: &Path) -> Result<Box<dyn CgroupManager>, CgroupError> {
    Ok(match detect_mode_at(root)? {
        CgroupMode::V1 => Box::new(V1Manager::new(root, cgroup_path)?),
        CgroupMode::V2 => Box::new(V2Manager::new(root, cgroup_path)?),
    })
}

/// Open cgroup files a process writes `0` to in order to join the cgroup itself; see
/// [`CgroupManager::open_self_attach`]. The descriptors are close-on-exec.
#[derive(Debug)]
pub struct SelfAttach {
    files: Vec<(std::path::PathBuf, std::fs::File)>,
}

impl SelfAttach {
    pub(crate) fn open(paths: Vec<std::path::PathBuf>) -> Result<Self, CgroupError> {
        let files = paths
            .into_iter()
            .map(|path| {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|source| CgroupError::Io {
                        op: "open",
                        path: path.clone(),
                        source,
                    })?;
                Ok((path, file))
            })
            .collect::<Result<_, CgroupError>>()?;
        Ok(SelfAttach { files })
    }

    /// Moves the calling process (which must be single-threaded for v1's per-thread `tasks`
    /// to move all of it) into the cgroup.
    pub fn attach_self(&self) -> Result<(), CgroupError> {
        for (path, file) in &self.files {
            std::io::Write::write_all(&mut &*file, b"0").map_err(|source| CgroupError::Io {
                op: "write",
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}
