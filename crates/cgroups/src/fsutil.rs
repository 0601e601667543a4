//! cgroupfs file helpers shared by the v1 and v2 managers.

use std::io::ErrorKind as IoKind;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::CgroupError;

pub(crate) fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    std::fs::write(path, value).map_err(|source| CgroupError::Io {
        op: "write",
        path: path.to_owned(),
        source,
    })
}

pub(crate) fn read_string(path: &Path) -> Result<String, CgroupError> {
    std::fs::read_to_string(path).map_err(|source| CgroupError::Io {
        op: "read",
        path: path.to_owned(),
        source,
    })
}

/// Reads a single integer; `max` (v2) reads as `None`.
pub(crate) fn read_u64_or_max(path: &Path) -> Result<Option<u64>, CgroupError> {
    let text = read_string(path)?;
    let text = text.trim();
    if text == "max" {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| CgroupError::Parse {
        path: path.to_owned(),
        value: text.to_owned(),
    })
}

pub(crate) fn read_u64(path: &Path) -> Result<u64, CgroupError> {
    read_u64_or_max(path)?.ok_or_else(|| CgroupError::Parse {
        path: path.to_owned(),
        value: "max".into(),
    })
}

/// Value of `key` in a flat-keyed file (`key value` per line), e.g. memory.events or cpu.stat.
pub(crate) fn read_keyed(path: &Path, key: &str) -> Result<Option<u64>, CgroupError> {
    let text = read_string(path)?;
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        if parts.next() == Some(key) {
            let value = parts.next().unwrap_or_default();
            return value.parse().map(Some).map_err(|_| CgroupError::Parse {
                path: path.to_owned(),
                value: line.to_owned(),
            });
        }
    }
    Ok(None)
}

pub(crate) fn read_pids(path: &Path) -> Result<Vec<i32>, CgroupError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(CgroupError::Io {
                op: "read",
                path: path.to_owned(),
                source,
            })
        }
    };
    Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

pub(crate) fn create_dir_all(path: &Path) -> Result<(), CgroupError> {
    std::fs::create_dir_all(path).map_err(|source| CgroupError::Io {
        op: "mkdir",
        path: path.to_owned(),
        source,
    })
}

/// Joins a cgroup path (`/berth/<id>`, absolute or not) below `base`, refusing `..`.
pub(crate) fn join_below(base: &Path, cgroup_path: &Path) -> Result<PathBuf, CgroupError> {
    let mut out = base.to_path_buf();
    for comp in cgroup_path.components() {
        match comp {
            Component::Normal(c) => out.push(c),
            Component::RootDir | Component::CurDir => {}
            _ => return Err(CgroupError::InvalidPath(cgroup_path.to_owned())),
        }
    }
    if out == base {
        return Err(CgroupError::InvalidPath(cgroup_path.to_owned()));
    }
    Ok(out)
}

/// Removes a cgroup directory and its child cgroups, children first. A cgroup can stay busy
/// for a moment after its last task was reaped, so EBUSY is retried briefly.
pub(crate) fn remove_cgroup_dir(dir: &Path) -> Result<(), CgroupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(CgroupError::Io {
                op: "read_dir",
                path: dir.to_owned(),
                source,
            })
        }
    };
    for entry in entries.flatten() {
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            remove_cgroup_dir(&entry.path())?;
        }
    }
    let mut attempts = 0;
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(nix::libc::EBUSY) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            // Real cgroupfs directories are removable with their control files in place; only
            // a plain directory (a fake tree in tests) reports ENOTEMPTY for its regular files.
            Err(e) if e.raw_os_error() == Some(nix::libc::ENOTEMPTY) && attempts < 50 => {
                attempts += 1;
                remove_plain_files(dir)?;
            }
            Err(source) => {
                return Err(CgroupError::Io {
                    op: "rmdir",
                    path: dir.to_owned(),
                    source,
                })
            }
        }
    }
}

fn remove_plain_files(dir: &Path) -> Result<(), CgroupError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CgroupError::Io {
        op: "read_dir",
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries.flatten() {
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
