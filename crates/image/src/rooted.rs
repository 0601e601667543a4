//! File operations confined to a root directory.
//!
//! Every lookup goes through `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` from the root's file
//! descriptor, so `..` and symlinks (absolute ones included) resolve as if the root were `/`, and the
//! final operation is always an `*at` call on a single name inside an already-resolved directory.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};

/// A path inside the root, as clean components (no empty, `.` or `..` parts).
pub(crate) type RelPath = Vec<OsString>;

/// Splits a tar path into clean components, folding `.` and `..` lexically. `None` when it would
/// climb above the root, which no legitimate layer needs.
pub(crate) fn clean_path(raw: &[u8]) -> Option<RelPath> {
    let mut out: RelPath = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                out.pop()?;
            }
            name => out.push(OsString::from_vec(name.to_vec())),
        }
    }
    Some(out)
}

/// `a/b/c`, or `.` for the root itself.
pub(crate) fn joined(parts: &[OsString]) -> OsString {
    if parts.is_empty() {
        return OsString::from(".");
    }
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part.as_bytes());
    }
    OsString::from_vec(out)
}

/// Symlinks followed while creating missing directories, as the kernel's limit.
const MAX_SYMLINK_DEPTH: usize = 40;

/// `base` joined with a symlink target, with `..` stopping at the root as `RESOLVE_IN_ROOT` does.
fn clamped_path(base: &[OsString], target: &[u8]) -> RelPath {
    let mut out = base.to_vec();
    for part in target.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            name => out.push(OsString::from_vec(name.to_vec())),
        }
    }
    out
}

fn resolve_flags() -> ResolveFlags {
    ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS
}

/// A directory every operation is confined to.
pub(crate) struct Root {
    fd: OwnedFd,
}

impl Root {
    pub(crate) fn open(dir: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root { fd })
    }

    /// A root on an already opened directory.
    pub(crate) fn from_fd(fd: OwnedFd) -> Root {
        Root { fd }
    }

    /// Opens `parts` (resolved inside the root) with `flags`.
    pub(crate) fn open_at(&self, parts: &[OsString], flags: OFlags) -> io::Result<OwnedFd> {
        let fd = rustix::fs::openat2(
            self.fd.as_fd(),
            joined(parts).as_os_str(),
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            resolve_flags(),
        )?;
        Ok(fd)
    }

    /// An `O_PATH` handle on the directory `parts`, creating missing directories (mode 0755, as
    /// Docker does for parents a layer does not list).
    pub(crate) fn dir(&self, parts: &[OsString], create: bool) -> io::Result<OwnedFd> {
        match self.open_at(parts, OFlags::PATH | OFlags::DIRECTORY) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => self.create_dirs(parts, 0),
            other => other,
        }
    }

    fn create_dirs(&self, parts: &[OsString], depth: usize) -> io::Result<OwnedFd> {
        if depth > MAX_SYMLINK_DEPTH {
            return Err(rustix::io::Errno::LOOP.into());
        }
        // Slow path: walk down from the root, creating what is missing. Each prefix is resolved
        // from the root again so symlinks keep their in-root meaning.
        let mut fd = self.open_at(&[], OFlags::PATH | OFlags::DIRECTORY)?;
        for i in 0..parts.len() {
            match self.open_at(&parts[..=i], OFlags::PATH | OFlags::DIRECTORY) {
                Ok(next) => fd = next,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    match rustix::fs::mkdirat(
                        fd.as_fd(),
                        parts[i].as_os_str(),
                        Mode::from_raw_mode(0o755),
                    ) {
                        Ok(()) => {}
                        Err(rustix::io::Errno::EXIST) => {
                            // A dangling symlink (e.g. `var/run -> /run` before `run/` exists):
                            // create the directories it points to, inside the root.
                            let link = rustix::fs::readlinkat(
                                fd.as_fd(),
                                parts[i].as_os_str(),
                                Vec::new(),
                            )?;
                            let link = link.as_bytes();
                            let base: &[OsString] = if link.starts_with(b"/") {
                                &[]
                            } else {
                                &parts[..i]
                            };
                            self.create_dirs(&clamped_path(base, link), depth + 1)?;
                        }
                        Err(e) => return Err(e.into()),
                    }
                    fd = self.open_at(&parts[..=i], OFlags::PATH | OFlags::DIRECTORY)?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(fd)
    }
}

/// The type of `name` in `dir`, without following a final symlink; `None` when it does not exist.
pub(crate) fn lstat_type(dir: impl AsFd, name: &OsStr) -> io::Result<Option<FileType>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Removes `name` in `dir` and, for a directory, everything below it. Never follows symlinks.
pub(crate) fn remove_all_at(dir: impl AsFd, name: &OsStr) -> io::Result<()> {
    let dir = dir.as_fd();
    match lstat_type(dir, name)? {
        None => Ok(()),
        Some(FileType::Directory) => {
            let sub = rustix::fs::openat(
                dir,
                name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            for child in list_dir(&sub)? {
                remove_all_at(&sub, &child)?;
            }
            rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)?;
            Ok(())
        }
        Some(_) => {
            rustix::fs::unlinkat(dir, name, AtFlags::empty())?;
            Ok(())
        }
    }
}

/// The names in a directory opened for reading, without `.` and `..`.
pub(crate) fn list_dir(dir: impl AsFd) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name.to_vec()));
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_folds_and_refuses_escapes() {
        let c = |s: &str| clean_path(s.as_bytes()).map(|p| joined(&p));
        assert_eq!(c("./a/b/"), Some("a/b".into()));
        assert_eq!(c("/etc//passwd"), Some("etc/passwd".into()));
        assert_eq!(c("a/../b"), Some("b".into()));
        assert_eq!(c("./"), Some(".".into()));
        assert_eq!(c("../x"), None);
        assert_eq!(c("a/../../x"), None);
    }
}
