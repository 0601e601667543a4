//! The secure layer applier: unpacks a layer tar into a directory without ever writing outside it.
//!
//! The `tar` crate only parses headers here (`unpack_in` is both too strict for image layers and
//! incomplete: see shared/notes/dependencies.md §7). Every entry is placed with `*at` calls on a
//! directory resolved by [`Root`] (openat2 with `RESOLVE_IN_ROOT`), so a hostile layer cannot reach
//! outside `root_dir` through `..`, absolute paths, symlinks or hardlinks.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Gid, Mode, OFlags, Timespec, Timestamps, Uid, XattrFlags};
use tar::EntryType;

use crate::error::{ImageError, Result};
use crate::rooted::{clean_path, joined, list_dir, lstat_type, remove_all_at, RelPath, Root};

/// What to do with whiteout entries (`.wh.<name>`, `.wh..wh..opq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhiteoutMode {
    /// The directory is one overlay lower layer: whiteouts become 0:0 character devices and opaque
    /// markers the `trusted.overlay.opaque=y` xattr.
    #[default]
    Overlay,
    /// The directory is a flattened root filesystem: whiteouts delete what lower layers put there.
    Flatten,
}

/// What an applied layer contained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerStats {
    /// Bytes of regular-file content written.
    pub size: u64,
    /// Tar entries processed.
    pub entries: u64,
}

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const WHITEOUT_META_PREFIX: &[u8] = b".wh..wh.";
const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";
const OVERLAY_OPAQUE_XATTR: &str = "trusted.overlay.opaque";

/// Applies an uncompressed layer tar onto `root_dir` as an overlay layer ([`WhiteoutMode::Overlay`]).
pub fn apply_layer(root_dir: &Path, reader: impl Read) -> Result<LayerStats> {
    apply_layer_with(root_dir, reader, WhiteoutMode::Overlay)
}

/// Applies an uncompressed layer tar onto `root_dir` with the given whiteout handling.
///
/// Entries whose path (or hardlink target) climbs above the root with `..` are refused with
/// [`ImageError::Breakout`], like dockerd's `breakoutError`; symlinks are stored as they are and
/// only ever resolved inside the root. Device nodes are created only when running as root.
pub fn apply_layer_with(
    root_dir: &Path,
    reader: impl Read,
    mode: WhiteoutMode,
) -> Result<LayerStats> {
    apply_layer_observed(root_dir, reader, mode, &mut |_| {})
}

/// Where a regular file's content sits in the archive stream, reported before it is read.
pub(crate) struct ContentRange<'a> {
    /// Offset of the content in the uncompressed archive.
    pub offset: u64,
    pub len: u64,
    /// The entry's clean path inside the root.
    pub path: &'a [u8],
}

/// [`apply_layer_with`], telling `observer` where each regular file's content is in the stream.
pub(crate) fn apply_layer_observed(
    root_dir: &Path,
    reader: impl Read,
    mode: WhiteoutMode,
    observer: &mut dyn FnMut(ContentRange<'_>),
) -> Result<LayerStats> {
    fs_err::create_dir_all(root_dir).map_err(|e| ImageError::io("create layer dir", e))?;
    let root = Root::open(root_dir)
        .map_err(|e| ImageError::io(format!("open {}", root_dir.display()), e))?;
    let applier = Applier {
        root,
        mode,
        plain_whiteouts: false,
        owner: None,
        no_overwrite_dir_non_dir: false,
        privileged: rustix::process::geteuid().is_root(),
        created: HashSet::new(),
        dirs: Vec::new(),
        stats: LayerStats::default(),
    };
    run_applier(applier, reader, observer)
}

/// How [`extract_archive_at`] places entries (`docker cp`, `PUT /containers/{id}/archive`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtractOptions {
    /// Owner (uid, gid) for every entry instead of the tar's.
    pub owner: Option<(u32, u32)>,
    /// Refuse to replace an existing directory with a non-directory or the reverse (dockerd's
    /// `noOverwriteDirNonDir`).
    pub no_overwrite_dir_non_dir: bool,
}

/// Extracts a plain (non-layer) tar into the directory `dir`, confined to it exactly as a layer
/// is: `..` that climbs above `dir` is refused and symlinks resolve inside `dir`. Names starting
/// with `.wh.` are ordinary files here, as in `docker cp`.
pub fn extract_archive_at(
    dir: BorrowedFd<'_>,
    reader: impl Read,
    opts: ExtractOptions,
) -> Result<LayerStats> {
    let fd = dir
        .try_clone_to_owned()
        .map_err(|e| ImageError::io("duplicate extraction directory handle", e))?;
    let applier = Applier {
        root: Root::from_fd(fd),
        mode: WhiteoutMode::Flatten,
        plain_whiteouts: true,
        owner: opts.owner,
        no_overwrite_dir_non_dir: opts.no_overwrite_dir_non_dir,
        privileged: rustix::process::geteuid().is_root(),
        created: HashSet::new(),
        dirs: Vec::new(),
        stats: LayerStats::default(),
    };
    run_applier(applier, reader, &mut |_| {})
}

fn run_applier(
    mut applier: Applier,
    reader: impl Read,
    observer: &mut dyn FnMut(ContentRange<'_>),
) -> Result<LayerStats> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| ImageError::io("read layer", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad_archive(&e))?;
        applier.apply_entry(&mut entry, observer)?;
    }
    applier.finish_dirs()?;
    Ok(applier.stats)
}

fn bad_archive(e: &io::Error) -> ImageError {
    ImageError::InvalidArgument(format!("invalid tar archive: {e}"))
}

/// Owner, permissions, times and xattrs from one tar header.
struct Meta {
    mode: u32,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime: i64,
    xattrs: Vec<(OsString, Vec<u8>)>,
}

impl Meta {
    fn read<R: Read>(entry: &mut tar::Entry<'_, R>) -> Result<Meta> {
        let header = entry.header();
        let field = |v: io::Result<u64>| {
            v.ok()
                .and_then(|v| u32::try_from(v).ok())
                .filter(|v| *v != u32::MAX)
        };
        let mode = header.mode().map_err(|e| bad_archive(&e))? & 0o7777;
        let uid = field(header.uid());
        let gid = field(header.gid());
        let mtime = header
            .mtime()
            .ok()
            .and_then(|t| i64::try_from(t).ok())
            .unwrap_or(0);
        let mut xattrs = Vec::new();
        if let Some(exts) = entry.pax_extensions().map_err(|e| bad_archive(&e))? {
            for ext in exts {
                let ext = ext.map_err(|e| bad_archive(&e))?;
                if let Some(name) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                    // Overlay's own xattrs would let a layer redirect lookups; only the applier sets them.
                    if !name.starts_with(b"trusted.overlay.") {
                        xattrs.push((
                            OsString::from_vec(name.to_vec()),
                            ext.value_bytes().to_vec(),
                        ));
                    }
                }
            }
        }
        Ok(Meta {
            mode,
            uid,
            gid,
            mtime,
            xattrs,
        })
    }

    fn times(&self) -> Timestamps {
        let t = Timespec {
            tv_sec: self.mtime,
            tv_nsec: 0,
        };
        Timestamps {
            last_access: t,
            last_modification: t,
        }
    }

    fn owner(&self) -> (Option<Uid>, Option<Gid>) {
        (self.uid.map(Uid::from_raw), self.gid.map(Gid::from_raw))
    }
}

struct Applier {
    root: Root,
    mode: WhiteoutMode,
    /// `.wh.` names are ordinary files (a `docker cp` archive, not a layer).
    plain_whiteouts: bool,
    /// Owner for every entry instead of the tar's.
    owner: Option<(u32, u32)>,
    no_overwrite_dir_non_dir: bool,
    privileged: bool,
    /// Paths this layer created, so an opaque marker in flatten mode keeps them.
    created: HashSet<OsString>,
    /// Directories whose mode and mtime are set at the end, after their children were written.
    dirs: Vec<(RelPath, u32, Timestamps)>,
    stats: LayerStats,
}

impl Applier {
    fn apply_entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        observer: &mut dyn FnMut(ContentRange<'_>),
    ) -> Result<()> {
        self.stats.entries += 1;
        let raw = entry.path_bytes().into_owned();
        let display = String::from_utf8_lossy(&raw).into_owned();
        let parts = clean_path(&raw).ok_or_else(|| ImageError::Breakout {
            path: display.clone(),
            reason: "path escapes the layer root".to_string(),
        })?;
        let Some((name, parent)) = parts.split_last() else {
            return Ok(()); // the root directory itself ("./"): its metadata is ours
        };
        let io_err = |e: io::Error| ImageError::io(format!("apply layer entry {display:?}"), e);

        if !self.plain_whiteouts && name.as_bytes().starts_with(WHITEOUT_PREFIX) {
            let times = Meta::read(entry)?.times();
            return self.whiteout(parent, name.as_bytes(), &display, times);
        }
        let mut kind = entry.header().entry_type();
        // Pre-POSIX archives mark directories only with a trailing slash.
        if matches!(kind, EntryType::Regular | EntryType::Continuous) && raw.ends_with(b"/") {
            kind = EntryType::Directory;
        }
        let is_dir = kind == EntryType::Directory;
        let creates = matches!(
            kind,
            EntryType::Regular
                | EntryType::Continuous
                | EntryType::GNUSparse
                | EntryType::Directory
                | EntryType::Symlink
                | EntryType::Link
                | EntryType::Char
                | EntryType::Block
                | EntryType::Fifo
        );
        if !creates {
            return Ok(()); // global PAX headers, volume labels and other non-file entries
        }
        let meta = Meta::read(entry)?;
        let dir = self.root.dir(parent, true).map_err(io_err)?;
        if self.no_overwrite_dir_non_dir {
            self.refuse_dir_non_dir_swap(&dir, name, is_dir, &parts)?;
        }

        if kind == EntryType::Link {
            let target = entry
                .link_name_bytes()
                .map(|t| t.into_owned())
                .unwrap_or_default();
            let target_parts = clean_path(&target)
                .filter(|p| !p.is_empty())
                .ok_or_else(|| ImageError::Breakout {
                    path: display.clone(),
                    reason: format!(
                        "hardlink target {:?} escapes the layer root",
                        String::from_utf8_lossy(&target)
                    ),
                })?;
            if target_parts == parts {
                return Ok(());
            }
            self.clear(&dir, name, false).map_err(io_err)?;
            self.hardlink(&dir, name, &target_parts).map_err(io_err)?;
            self.created.insert(joined(&parts));
            return Ok(());
        }

        let kept_dir = self.clear(&dir, name, is_dir).map_err(io_err)?;
        match kind {
            EntryType::Directory => {
                if !kept_dir {
                    rustix::fs::mkdirat(&dir, name.as_os_str(), Mode::from_raw_mode(0o700))
                        .map_err(errno(&display))?;
                }
                self.chown_at(&dir, name, &meta).map_err(io_err)?;
                if !meta.xattrs.is_empty() {
                    if let Ok(fd) = open_nofollow(&dir, name, OFlags::RDONLY | OFlags::DIRECTORY) {
                        set_xattrs(&fd, &meta);
                    }
                }
                self.dirs.push((parts.clone(), meta.mode, meta.times()));
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                rustix::fs::symlinkat(OsStr::from_bytes(&target), &dir, name.as_os_str())
                    .map_err(errno(&display))?;
                self.chown_at(&dir, name, &meta).map_err(io_err)?;
                let _ = rustix::fs::utimensat(
                    &dir,
                    name.as_os_str(),
                    &meta.times(),
                    AtFlags::SYMLINK_NOFOLLOW,
                );
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                let file_type = match kind {
                    EntryType::Char => FileType::CharacterDevice,
                    EntryType::Block => FileType::BlockDevice,
                    _ => FileType::Fifo,
                };
                if file_type != FileType::Fifo && !self.privileged {
                    return Ok(()); // only root may create device nodes; skipping is what rootless Docker does
                }
                let header = entry.header();
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                let dev = rustix::fs::makedev(major, minor);
                rustix::fs::mknodat(
                    &dir,
                    name.as_os_str(),
                    file_type,
                    Mode::from_raw_mode(0o600),
                    dev,
                )
                .map_err(errno(&display))?;
                self.chown_at(&dir, name, &meta).map_err(io_err)?;
                rustix::fs::chmodat(
                    &dir,
                    name.as_os_str(),
                    Mode::from_raw_mode(meta.mode),
                    AtFlags::empty(),
                )
                .map_err(errno(&display))?;
                let _ = rustix::fs::utimensat(
                    &dir,
                    name.as_os_str(),
                    &meta.times(),
                    AtFlags::SYMLINK_NOFOLLOW,
                );
            }
            _ => {
                let fd = rustix::fs::openat(
                    &dir,
                    name.as_os_str(),
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o600),
                )
                .map_err(errno(&display))?;
                let mut file = File::from(fd);
                if kind != EntryType::GNUSparse {
                    let path = joined(&parts);
                    observer(ContentRange {
                        offset: entry.raw_file_position(),
                        len: entry.size(),
                        path: path.as_bytes(),
                    });
                }
                let written = io::copy(entry, &mut file).map_err(io_err)?;
                self.stats.size += written;
                // Owner first: chown clears setuid/setgid, which the chmod after it restores.
                if self.privileged {
                    let (uid, gid) = self.owner_of(&meta);
                    rustix::fs::fchown(&file, uid, gid).map_err(errno(&display))?;
                }
                rustix::fs::fchmod(&file, Mode::from_raw_mode(meta.mode))
                    .map_err(errno(&display))?;
                set_xattrs(&file, &meta);
                rustix::fs::futimens(&file, &meta.times()).map_err(errno(&display))?;
            }
        }
        self.created.insert(joined(&parts));
        Ok(())
    }

    /// Makes room for a new entry: an existing directory stays when the new entry is a directory
    /// too (layers merge directories), anything else is removed. Returns whether a directory stayed.
    fn clear(&self, dir: &OwnedFd, name: &OsStr, new_is_dir: bool) -> io::Result<bool> {
        match lstat_type(dir, name)? {
            None => Ok(false),
            Some(FileType::Directory) if new_is_dir => Ok(true),
            Some(_) => {
                remove_all_at(dir, name)?;
                Ok(false)
            }
        }
    }

    fn hardlink(&self, dir: &OwnedFd, name: &OsStr, target: &[OsString]) -> io::Result<()> {
        let Some((target_name, target_parent)) = target.split_last() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "empty hardlink target",
            ));
        };
        let target_dir = self.root.dir(target_parent, false)?;
        // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself, never what it points to.
        rustix::fs::linkat(
            &target_dir,
            target_name.as_os_str(),
            dir,
            name,
            AtFlags::empty(),
        )?;
        Ok(())
    }

    fn chown_at(&self, dir: &OwnedFd, name: &OsStr, meta: &Meta) -> io::Result<()> {
        if !self.privileged {
            return Ok(());
        }
        let (uid, gid) = self.owner_of(meta);
        rustix::fs::chownat(dir, name, uid, gid, AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(())
    }

    fn owner_of(&self, meta: &Meta) -> (Option<Uid>, Option<Gid>) {
        match self.owner {
            Some((uid, gid)) => (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid))),
            None => meta.owner(),
        }
    }

    /// dockerd's `noOverwriteDirNonDir` check, with its messages.
    fn refuse_dir_non_dir_swap(
        &self,
        dir: &OwnedFd,
        name: &OsStr,
        new_is_dir: bool,
        parts: &[OsString],
    ) -> Result<()> {
        let existing =
            lstat_type(dir, name).map_err(|e| ImageError::io("inspect extraction target", e))?;
        let path = format!("/{}", joined(parts).to_string_lossy());
        match existing {
            Some(FileType::Directory) if !new_is_dir => Err(ImageError::InvalidArgument(format!(
                "cannot overwrite directory {path:?} with non-directory {path:?}"
            ))),
            Some(t) if t != FileType::Directory && new_is_dir => Err(ImageError::InvalidArgument(
                format!("cannot overwrite non-directory {path:?} with directory {path:?}"),
            )),
            _ => Ok(()),
        }
    }

    fn whiteout(
        &mut self,
        parent: &[OsString],
        name: &[u8],
        display: &str,
        times: Timestamps,
    ) -> Result<()> {
        let io_err = |e: io::Error| ImageError::io(format!("apply whiteout {display:?}"), e);
        if name == OPAQUE_MARKER {
            self.root.dir(parent, true).map_err(io_err)?;
            let dir = self
                .root
                .open_at(parent, OFlags::RDONLY | OFlags::DIRECTORY)
                .map_err(io_err)?;
            match self.mode {
                WhiteoutMode::Overlay => {
                    rustix::fs::fsetxattr(&dir, OVERLAY_OPAQUE_XATTR, b"y", XattrFlags::empty())
                        .map_err(errno(display))?;
                }
                WhiteoutMode::Flatten => {
                    for child in list_dir(&dir).map_err(io_err)? {
                        let mut path = parent.to_vec();
                        path.push(child.clone());
                        if !self.created.contains(&joined(&path)) {
                            remove_all_at(&dir, &child).map_err(io_err)?;
                        }
                    }
                }
            }
            return Ok(());
        }
        if name.starts_with(WHITEOUT_META_PREFIX) {
            return Ok(()); // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing to apply
        }
        let target = &name[WHITEOUT_PREFIX.len()..];
        if target.is_empty() || target == b"." || target == b".." {
            return Err(ImageError::Breakout {
                path: display.to_string(),
                reason: "invalid whiteout".to_string(),
            });
        }
        let target = OsStr::from_bytes(target);
        let dir = self.root.dir(parent, true).map_err(io_err)?;
        remove_all_at(&dir, target).map_err(io_err)?;
        if self.mode == WhiteoutMode::Overlay {
            if !self.privileged {
                return Err(ImageError::InvalidArgument(format!(
                    "cannot apply whiteout {display:?}: overlay whiteouts need root"
                )));
            }
            rustix::fs::mknodat(
                &dir,
                target,
                FileType::CharacterDevice,
                Mode::empty(),
                rustix::fs::makedev(0, 0),
            )
            .map_err(errno(display))?;
            // The entry's mtime, so writing this layer back out gives the same tar (and diff id).
            let _ = rustix::fs::utimensat(&dir, target, &times, AtFlags::SYMLINK_NOFOLLOW);
            let mut path = parent.to_vec();
            path.push(target.to_os_string());
            self.created.insert(joined(&path));
        }
        Ok(())
    }

    /// Sets directory modes and mtimes last: writing children changes a directory's mtime, and a
    /// read-only directory mode would stop a non-root applier from filling it.
    fn finish_dirs(&mut self) -> Result<()> {
        for (parts, mode, times) in self.dirs.iter().rev() {
            // A later entry may have replaced the directory; then there is nothing to finish.
            let Ok(fd) = self
                .root
                .open_at(parts, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW)
            else {
                continue;
            };
            let display = joined(parts).to_string_lossy().into_owned();
            rustix::fs::fchmod(&fd, Mode::from_raw_mode(*mode)).map_err(errno(&display))?;
            rustix::fs::futimens(&fd, times).map_err(errno(&display))?;
        }
        Ok(())
    }
}

fn open_nofollow(dir: &OwnedFd, name: &OsStr, flags: OFlags) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(
        dir,
        name,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Extended attributes are best effort, as in Docker: a filesystem without them must not fail a pull.
fn set_xattrs(fd: impl AsFd, meta: &Meta) {
    for (name, value) in &meta.xattrs {
        let _ = rustix::fs::fsetxattr(fd.as_fd(), name.as_os_str(), value, XattrFlags::empty());
    }
}

fn errno(display: &str) -> impl Fn(rustix::io::Errno) -> ImageError + '_ {
    move |e| ImageError::io(format!("apply layer entry {display:?}"), e.into())
}
