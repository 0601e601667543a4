//! Container file access for `docker cp` (`HEAD`/`GET`/`PUT /containers/{id}/archive`).
//!
//! A [`ContainerRoot`] is a directory handle on the container's root filesystem that every path is
//! resolved under with `openat2(RESOLVE_IN_ROOT)`, so `..` and symlinks (absolute ones included)
//! never lead outside the container:
//!
//! * a running (or paused) container: `/proc/<init pid>/root`, its root as its own mount namespace
//!   sees it, volumes and bind mounts included (the overlay exists only in that namespace);
//! * a stopped container: its overlay mounted as a *detached* mount (`fsopen`/`fsmount`): it is in
//!   no mount namespace, so nothing is ever mounted on the host, and it goes away with the handle.
//!   Reading mounts the upper dir as one more lower layer (read-only, the upper and work dirs stay
//!   untouched); writing mounts the real overlay, so the kernel does copy-up and whiteout removal
//!   and never writes into a lower layer.
//!
//! Path semantics follow dockerd (`daemon/archive.go`, `container.ResolvePath`): the parent
//! directories of a path are resolved, its last element is not followed unless the path ends in
//! `/` or `/.`; an extraction point is followed completely and must be a directory.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use errdefs::{ErrorKind, HasKind};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::mount::{FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags};
use serde::Serialize;

pub use image::ExtractOptions;

/// Symlinks followed while resolving one path, as the kernel's limit.
const MAX_SYMLINKS: usize = 40;

/// Why a container file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ContainerFileError {
    /// The path does not exist in the container (dockerd: `Could not find the file …`, 404).
    #[error("no such file or directory")]
    NotFound,
    /// `PUT` onto something that is not a directory (dockerd's `ErrExtractPointNotDirectory`).
    #[error("extraction point is not a directory")]
    NotADirectory,
    /// The archive could not be extracted (bad tar, an entry escaping the destination, …).
    #[error("{0}")]
    Extract(#[from] image::ImageError),
    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl ContainerFileError {
    fn io(context: impl Into<String>, source: impl Into<io::Error>) -> Self {
        ContainerFileError::Io {
            context: context.into(),
            source: source.into(),
        }
    }
}

impl HasKind for ContainerFileError {
    fn kind(&self) -> ErrorKind {
        match self {
            ContainerFileError::NotFound => ErrorKind::NotFound,
            ContainerFileError::NotADirectory => ErrorKind::InvalidArgument,
            ContainerFileError::Extract(e) => e.kind(),
            ContainerFileError::Io { .. } => ErrorKind::Internal,
        }
    }
}

type Result<T> = std::result::Result<T, ContainerFileError>;

/// `X-Docker-Container-Path-Stat`: dockerd's `container.PathStat`, `mode` as a Go `os.FileMode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    pub mode: u32,
    /// RFC 3339 with nanoseconds, UTC (Go's `time.Time` JSON).
    pub mtime: String,
    /// For a symlink: the absolute path in the container it resolves to; else empty.
    #[serde(rename = "linkTarget")]
    pub link_target: String,
}

/// A path inside the container, as clean components.
type Components = Vec<OsString>;

/// A container's root filesystem, open for `cp`.
pub struct ContainerRoot {
    fd: OwnedFd,
}

impl ContainerRoot {
    /// The root of a running container, through its init's `/proc/<pid>/root`. With
    /// `cgroup`, the process must be in that cgroup (read through the same `/proc/<pid>`
    /// handle, so a pid reused by another process after the init exited is never taken).
    pub fn of_process(pid: i64, cgroup: Option<&str>) -> Result<ContainerRoot> {
        let dir = format!("/proc/{pid}");
        let proc_dir = rustix::fs::open(
            dir.as_str(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| ContainerFileError::io(format!("open {dir}"), e))?;
        if let Some(cgroup) = cgroup.filter(|c| !c.is_empty()) {
            let file = rustix::fs::openat(
                &proc_dir,
                "cgroup",
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| ContainerFileError::io(format!("open {dir}/cgroup"), e))?;
            let mut text = String::new();
            File::from(file)
                .read_to_string(&mut text)
                .map_err(|e| ContainerFileError::io(format!("read {dir}/cgroup"), e))?;
            let member = text
                .lines()
                .filter_map(|l| l.splitn(3, ':').nth(2))
                .any(|path| path == cgroup || path.starts_with(&format!("{cgroup}/")));
            if !member {
                return Err(ContainerFileError::io(
                    dir.clone(),
                    io::Error::other(format!("process is not in cgroup {cgroup}")),
                ));
            }
        }
        let fd = rustix::fs::openat(
            &proc_dir,
            "root",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| ContainerFileError::io(format!("open {dir}/root"), e))?;
        Ok(ContainerRoot { fd })
    }

    /// The root of a stopped container as a detached overlay mount of `mount_data`
    /// (`lowerdir=…,upperdir=…,workdir=…`, the runtime's annotation). `writable: false` mounts the
    /// upper dir as the top lower layer instead, read-only.
    pub fn mount_layers(mount_data: &str, writable: bool) -> Result<ContainerRoot> {
        let options = overlay_options(mount_data, writable)?;
        let err = |what: &str, e: rustix::io::Errno| {
            ContainerFileError::io(format!("mount container layers ({what})"), e)
        };
        let fs = rustix::mount::fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)
            .map_err(|e| err("fsopen", e))?;
        for (key, value) in &options {
            rustix::mount::fsconfig_set_string(&fs, key.as_str(), value.as_str())
                .map_err(|e| err(key, e))?;
        }
        rustix::mount::fsconfig_create(&fs).map_err(|e| err("create", e))?;
        let attrs = if writable {
            MountAttrFlags::empty()
        } else {
            MountAttrFlags::MOUNT_ATTR_RDONLY
        };
        let fd = rustix::mount::fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, attrs)
            .map_err(|e| err("fsmount", e))?;
        Ok(ContainerRoot { fd })
    }

    /// Attaches a bind of the host path `source` at `destination` inside a detached root (from
    /// [`ContainerRoot::mount_layers`]), as the runtime mounts a container's volumes and bind
    /// mounts. The destination is resolved inside the root and must exist; the bind belongs to
    /// the detached tree, so it is never visible on the host and goes away with the handle.
    pub fn attach_bind(&self, source: &Path, destination: &str) -> Result<()> {
        let parts = clean_components(destination.as_bytes());
        let target = self
            .open_in_root(&parts, OFlags::PATH)
            .map_err(not_found_or("open mount point"))?;
        let tree = rustix::mount::open_tree(
            rustix::fs::CWD,
            source,
            OpenTreeFlags::OPEN_TREE_CLONE
                | OpenTreeFlags::OPEN_TREE_CLOEXEC
                | OpenTreeFlags::AT_RECURSIVE,
        )
        .map_err(|e| ContainerFileError::io(format!("clone {}", source.display()), e))?;
        rustix::mount::move_mount(
            &tree,
            "",
            &target,
            "",
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH,
        )
        .map_err(|e| ContainerFileError::io(format!("attach {destination}"), e))?;
        Ok(())
    }

    /// A root on any directory (tests, and containers whose root is a plain directory).
    pub fn of_dir(dir: &Path) -> Result<ContainerRoot> {
        let fd = rustix::fs::open(
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| ContainerFileError::io(format!("open {}", dir.display()), e))?;
        Ok(ContainerRoot { fd })
    }

    /// `HEAD /containers/{id}/archive`: what `path` is, without following a final symlink.
    pub fn stat(&self, path: &str) -> Result<PathStat> {
        Ok(self.locate(path)?.stat)
    }

    /// `GET /containers/{id}/archive`: the stat of `path` and a tar of it written to `out`, entry
    /// names starting with the path's base name (`.` for `dir/.`: the directory's contents).
    pub fn archive(&self, path: &str, out: impl Write) -> Result<PathStat> {
        let found = self.locate(path)?;
        let mut writer = TarWriter {
            tar: tar::Builder::new(out),
            links: HashMap::new(),
        };
        writer
            .add(&found.parent, &found.name, &found.entry_name, &found.raw)
            .map_err(|e| ContainerFileError::io("write archive", e))?;
        writer
            .tar
            .into_inner()
            .and_then(|mut w| w.flush())
            .map_err(|e| ContainerFileError::io("write archive", e))?;
        Ok(found.stat)
    }

    /// `PUT /containers/{id}/archive`: extracts the tar `input` into the directory `path`
    /// (followed completely; it must exist and be a directory).
    pub fn extract(&self, path: &str, input: impl Read, opts: ExtractOptions) -> Result<()> {
        let parts = clean_components(path.as_bytes());
        let dir = self
            .open_in_root(&parts, OFlags::PATH)
            .map_err(not_found_or("open extraction point"))?;
        let st = rustix::fs::fstat(&dir).map_err(|e| ContainerFileError::io("stat", e))?;
        if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
            return Err(ContainerFileError::NotADirectory);
        }
        if on_pseudo_fs(&dir) {
            return Err(ContainerFileError::NotFound);
        }
        image::extract_archive_at(dir.as_fd(), input, opts)?;
        Ok(())
    }

    fn open_in_root(&self, parts: &[OsString], flags: OFlags) -> io::Result<OwnedFd> {
        Ok(rustix::fs::openat2(
            &self.fd,
            joined(parts).as_os_str(),
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )?)
    }

    /// Finds `path` as dockerd's `ResolvePath` + `Lstat` do.
    fn locate(&self, path: &str) -> Result<Located> {
        let raw = path.as_bytes();
        let follow_last = raw.ends_with(b"/") || raw.ends_with(b"/.") || raw == b".";
        let mut parts = clean_components(raw);
        if follow_last {
            parts = self.resolve(&parts).map_err(not_found_or("resolve"))?;
        }
        let entry_name = base_name(raw);
        let (parent, name) = match parts.split_last() {
            Some((name, dirs)) => {
                let parent = self
                    .open_in_root(dirs, OFlags::PATH | OFlags::DIRECTORY)
                    .map_err(not_found_or("open parent directory"))?;
                (parent, name.clone())
            }
            None => (
                self.open_in_root(&[], OFlags::PATH | OFlags::DIRECTORY)
                    .map_err(|e| ContainerFileError::io("open root", e))?,
                OsString::from("."),
            ),
        };
        if on_pseudo_fs(&parent) {
            return Err(ContainerFileError::NotFound);
        }
        let raw_stat = rustix::fs::statat(&parent, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| not_found_or("stat")(e.into()))?;
        // `file/` and `file/.` name a directory that is not there (lstat: ENOTDIR).
        if follow_last && FileType::from_raw_mode(raw_stat.st_mode) != FileType::Directory {
            return Err(ContainerFileError::NotFound);
        }
        let link_target = if FileType::from_raw_mode(raw_stat.st_mode) == FileType::Symlink {
            let target = self.resolve(&parts).map_err(not_found_or("resolve"))?;
            in_root_path(&target)
        } else {
            String::new()
        };
        let display_name = if entry_name == "." && parts.is_empty() && !raw.ends_with(b".") {
            "/".to_string()
        } else {
            entry_name.clone()
        };
        let stat = PathStat {
            name: display_name,
            size: raw_stat.st_size,
            mode: go_file_mode(raw_stat.st_mode),
            mtime: go_time(raw_stat.st_mtime, raw_stat.st_mtime_nsec),
            link_target,
        };
        Ok(Located {
            parent,
            name,
            entry_name,
            raw: raw_stat,
            stat,
        })
    }

    /// `parts` with every symlink followed inside the root (`FollowSymlinkInScope`): the in-root
    /// path it stands for. Missing elements stay as they are.
    fn resolve(&self, parts: &[OsString]) -> io::Result<Components> {
        let mut todo: Vec<OsString> = parts.iter().rev().cloned().collect();
        let mut done: Components = Vec::new();
        let mut links = 0;
        while let Some(part) = todo.pop() {
            match part.as_bytes() {
                b"" | b"." => continue,
                b".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            let parent = match self.open_in_root(&done, OFlags::PATH | OFlags::DIRECTORY) {
                Ok(fd) => fd,
                Err(e) if is_missing(&e) => {
                    done.push(part);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match rustix::fs::readlinkat(&parent, part.as_os_str(), Vec::new()) {
                Ok(target) => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(rustix::io::Errno::LOOP.into());
                    }
                    let target = target.as_bytes();
                    if target.starts_with(b"/") {
                        done.clear();
                    }
                    for piece in target.split(|&b| b == b'/').rev() {
                        todo.push(OsString::from_vec(piece.to_vec()));
                    }
                }
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOENT) => done.push(part),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(done)
    }
}

/// What [`ContainerRoot::locate`] found.
struct Located {
    /// The directory holding it (the root itself for `/`).
    parent: OwnedFd,
    /// Its name there (`.` for the root).
    name: OsString,
    /// The name its tar entries start with.
    entry_name: String,
    raw: Stat,
    stat: PathStat,
}

/// Whether `dir` is on a kernel pseudo filesystem (proc, sysfs, cgroup, devpts, mqueue, …).
/// Through `/proc/<pid>/root` those are the container's own mounts of host kernel interfaces;
/// dockerd never sees them (it reads the root filesystem), and reading or writing them as root in
/// the host's namespaces could reach the host (`/proc/kmsg`, `/proc/sysrq-trigger`): their paths
/// are treated as missing and they are archived as empty directories.
fn on_pseudo_fs(dir: impl AsFd) -> bool {
    const PSEUDO: [u64; 17] = [
        0x9fa0,      // proc
        0x6265_6572, // sysfs
        0x0027_e0eb, // cgroup
        0x6367_7270, // cgroup2
        0x1cd1,      // devpts
        0x1980_0202, // mqueue
        0x6462_6720, // debugfs
        0x7363_6673, // securityfs
        0x7472_6163, // tracefs
        0xcafe_4a11, // bpf
        0x6165_676c, // pstore
        0x6265_6570, // configfs
        0x6573_5543, // fusectl
        0x4249_4e4d, // binfmt_misc
        0xf97c_ff8c, // selinuxfs
        0xde5e_81e4, // efivarfs
        0x5a3c_69f0, // apparmorfs
    ];
    match rustix::fs::fstatfs(dir) {
        Ok(st) => PSEUDO.contains(&(st.f_type as u64)),
        Err(_) => true,
    }
}

/// `/a/b` for components `a`, `b`; `/` for none.
fn in_root_path(parts: &[OsString]) -> String {
    if parts.is_empty() {
        return "/".to_string();
    }
    format!("/{}", joined(parts).to_string_lossy())
}

/// ENOENT or ENOTDIR: the path is not there.
fn is_missing(e: &io::Error) -> bool {
    let errno = e.raw_os_error();
    errno == Some(rustix::io::Errno::NOENT.raw_os_error())
        || errno == Some(rustix::io::Errno::NOTDIR.raw_os_error())
}

fn not_found_or(context: &'static str) -> impl Fn(io::Error) -> ContainerFileError {
    move |e| {
        if is_missing(&e) {
            ContainerFileError::NotFound
        } else {
            ContainerFileError::io(context, e)
        }
    }
}

/// The overlay options for [`ContainerRoot::mount_layers`].
fn overlay_options(mount_data: &str, writable: bool) -> Result<Vec<(String, String)>> {
    let mut options: Vec<(String, String)> = mount_data
        .split(',')
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o.to_string(), String::new()),
        })
        .collect();
    let get = |options: &[(String, String)], key: &str| {
        options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let (Some(lower), Some(upper)) = (get(&options, "lowerdir"), get(&options, "upperdir")) else {
        return Err(ContainerFileError::io(
            "container layers",
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the container has no overlay lowerdir/upperdir",
            ),
        ));
    };
    if !writable {
        options.retain(|(k, _)| k != "upperdir" && k != "workdir" && k != "lowerdir");
        options.insert(0, ("lowerdir".to_string(), format!("{upper}:{lower}")));
    }
    Ok(options)
}

/// Splits a path into clean components: `.` dropped, `..` folded lexically and stopping at the
/// root (dockerd's `filepath.Join("/", path)`).
fn clean_components(raw: &[u8]) -> Components {
    let mut out = Vec::new();
    for part in raw.split(|&b| b == b'/') {
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

fn joined(parts: &[OsString]) -> OsString {
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

/// Go's `filepath.Base` of the absolute path: `.` for `dir/.`, `/`→`.` handled by the caller.
fn base_name(raw: &[u8]) -> String {
    if raw.ends_with(b"/.") || raw == b"." {
        return ".".to_string();
    }
    let trimmed = {
        let mut end = raw.len();
        while end > 0 && raw[end - 1] == b'/' {
            end -= 1;
        }
        &raw[..end]
    };
    let base = trimmed.rsplit(|&b| b == b'/').next().unwrap_or_default();
    match base {
        b"" => ".".to_string(),
        b".." => {
            // `/a/..` is `/` after cleaning; its contents are the root's.
            ".".to_string()
        }
        b => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A Unix mode as Go's `os.FileMode` (what the docker CLI decodes).
pub fn go_file_mode(st_mode: u32) -> u32 {
    const MODE_DIR: u32 = 1 << 31;
    const MODE_SYMLINK: u32 = 1 << 27;
    const MODE_DEVICE: u32 = 1 << 26;
    const MODE_NAMED_PIPE: u32 = 1 << 25;
    const MODE_SOCKET: u32 = 1 << 24;
    const MODE_SETUID: u32 = 1 << 23;
    const MODE_SETGID: u32 = 1 << 22;
    const MODE_CHAR_DEVICE: u32 = 1 << 21;
    const MODE_STICKY: u32 = 1 << 20;
    let mut mode = st_mode & 0o777;
    mode |= match FileType::from_raw_mode(st_mode) {
        FileType::Directory => MODE_DIR,
        FileType::Symlink => MODE_SYMLINK,
        FileType::BlockDevice => MODE_DEVICE,
        FileType::CharacterDevice => MODE_DEVICE | MODE_CHAR_DEVICE,
        FileType::Fifo => MODE_NAMED_PIPE,
        FileType::Socket => MODE_SOCKET,
        _ => 0,
    };
    if st_mode & 0o4000 != 0 {
        mode |= MODE_SETUID;
    }
    if st_mode & 0o2000 != 0 {
        mode |= MODE_SETGID;
    }
    if st_mode & 0o1000 != 0 {
        mode |= MODE_STICKY;
    }
    mode
}

/// Go's `time.Time` JSON in UTC: RFC 3339, fractional seconds without trailing zeros.
fn go_time(secs: i64, nanos: u64) -> String {
    let nanos = u32::try_from(nanos).unwrap_or(0).min(999_999_999);
    let Some(t) = chrono::DateTime::from_timestamp(secs, nanos) else {
        return "0001-01-01T00:00:00Z".to_string();
    };
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Writes a directory tree as a tar, never following symlinks, hard links as link entries.
struct TarWriter<W: Write> {
    tar: tar::Builder<W>,
    /// (dev, ino) of multiply linked files already written → their entry name.
    links: HashMap<(u64, u64), String>,
}

impl<W: Write> TarWriter<W> {
    fn add(&mut self, dir: &OwnedFd, name: &OsStr, entry: &str, st: &Stat) -> io::Result<()> {
        let kind = FileType::from_raw_mode(st.st_mode);
        let mut header = tar::Header::new_gnu();
        header.set_mode(st.st_mode & 0o7777);
        header.set_uid(u64::from(st.st_uid));
        header.set_gid(u64::from(st.st_gid));
        header.set_mtime(u64::try_from(st.st_mtime).unwrap_or(0));
        header.set_size(0);
        match kind {
            FileType::Directory => {
                header.set_entry_type(tar::EntryType::Directory);
                self.append(
                    &mut header,
                    format!("{entry}/").as_bytes(),
                    None,
                    io::empty(),
                )?;
                let sub = rustix::fs::openat(
                    dir,
                    name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                let mut children = Vec::new();
                if on_pseudo_fs(&sub) {
                    return Ok(()); // a mount point of a kernel interface: the directory only
                }
                for child in rustix::fs::Dir::read_from(&sub)? {
                    let child = child?;
                    let bytes = child.file_name().to_bytes();
                    if bytes != b"." && bytes != b".." {
                        children.push(OsString::from_vec(bytes.to_vec()));
                    }
                }
                children.sort();
                for child in children {
                    let Ok(child_st) =
                        rustix::fs::statat(&sub, child.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
                    else {
                        continue; // removed while we walk
                    };
                    let child_entry = format!("{entry}/{}", child.to_string_lossy());
                    self.add(&sub, &child, &child_entry, &child_st)?;
                }
            }
            FileType::Symlink => {
                let target = rustix::fs::readlinkat(dir, name, Vec::new())?;
                header.set_entry_type(tar::EntryType::Symlink);
                self.append(
                    &mut header,
                    entry.as_bytes(),
                    Some(target.as_bytes()),
                    io::empty(),
                )?;
            }
            FileType::RegularFile => {
                let key = (st.st_dev, st.st_ino);
                if st.st_nlink > 1 {
                    if let Some(first) = self.links.get(&key) {
                        header.set_entry_type(tar::EntryType::Link);
                        let first = first.clone();
                        return self.append(
                            &mut header,
                            entry.as_bytes(),
                            Some(first.as_bytes()),
                            io::empty(),
                        );
                    }
                    self.links.insert(key, entry.to_string());
                }
                let file = File::from(rustix::fs::openat(
                    dir,
                    name,
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?);
                let size = u64::try_from(st.st_size).unwrap_or(0);
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                // Exactly `size` bytes: a file that grows meanwhile must not corrupt the archive,
                // one that shrinks is padded with zeros.
                let reader = file.take(size).chain(io::repeat(0)).take(size);
                self.append(&mut header, entry.as_bytes(), None, reader)?;
            }
            FileType::CharacterDevice | FileType::BlockDevice | FileType::Fifo => {
                header.set_entry_type(match kind {
                    FileType::CharacterDevice => tar::EntryType::Char,
                    FileType::BlockDevice => tar::EntryType::Block,
                    _ => tar::EntryType::Fifo,
                });
                let rdev = st.st_rdev;
                header.set_device_major(rustix::fs::major(rdev))?;
                header.set_device_minor(rustix::fs::minor(rdev))?;
                self.append(&mut header, entry.as_bytes(), None, io::empty())?;
            }
            // Sockets cannot be archived (dockerd skips them too).
            _ => {}
        }
        Ok(())
    }

    /// Appends an entry with its name exactly as given (the tar crate's path setters drop the
    /// `./` that dockerd's entries for `dir/.` start with); names and link targets longer than
    /// the header's 100 bytes go in GNU long-name entries first.
    fn append(
        &mut self,
        header: &mut tar::Header,
        name: &[u8],
        link: Option<&[u8]>,
        data: impl Read,
    ) -> io::Result<()> {
        if name.len() > 100 {
            self.long_name(tar::EntryType::GNULongName, name)?;
        }
        let field = &mut header.as_old_mut().name;
        let n = name.len().min(field.len());
        field[..n].copy_from_slice(&name[..n]);
        if let Some(link) = link {
            if link.len() > 100 {
                self.long_name(tar::EntryType::GNULongLink, link)?;
            }
            let field = &mut header.as_old_mut().linkname;
            let n = link.len().min(field.len());
            field[..n].copy_from_slice(&link[..n]);
        }
        header.set_cksum();
        self.tar.append(header, data)
    }

    fn long_name(&mut self, kind: tar::EntryType, value: &[u8]) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        let field = &mut header.as_old_mut().name;
        field[..13].copy_from_slice(b"././@LongLink");
        header.set_mode(0o644);
        header.set_entry_type(kind);
        let mut data = value.to_vec();
        data.push(0);
        header.set_size(data.len() as u64);
        header.set_cksum();
        self.tar.append(&header, &data[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_modes_match_dockerd() {
        // /tmp as in transcript 08: dir | sticky | 0777.
        assert_eq!(go_file_mode(0o041777), 2_148_532_735);
        assert_eq!(go_file_mode(0o100644), 420);
        assert_eq!(go_file_mode(0o120777), (1 << 27) | 0o777);
    }

    #[test]
    fn go_time_trims_fraction() {
        assert_eq!(go_time(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(go_time(0, 500_000_000), "1970-01-01T00:00:00.5Z");
    }

    #[test]
    fn base_names_as_filepath_base() {
        assert_eq!(base_name(b"/etc/passwd"), "passwd");
        assert_eq!(base_name(b"/tmp/"), "tmp");
        assert_eq!(base_name(b"/tmp/."), ".");
        assert_eq!(base_name(b"/"), ".");
    }

    fn names(tar_bytes: &[u8]) -> Vec<String> {
        tar::Archive::new(tar_bytes)
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn sample_root() -> (tempfile::TempDir, ContainerRoot) {
        let d = tempfile::tempdir().unwrap();
        let r = d.path().join("root");
        std::fs::create_dir_all(r.join("etc/sub")).unwrap();
        std::fs::write(r.join("etc/passwd"), "root:x:0:0\n").unwrap();
        std::fs::write(r.join("etc/sub/f"), "f").unwrap();
        std::os::unix::fs::symlink("/etc", r.join("link")).unwrap();
        std::os::unix::fs::symlink("../../../..", r.join("up")).unwrap();
        let root = ContainerRoot::of_dir(&r).unwrap();
        (d, root)
    }

    #[test]
    fn archive_names_follow_dockerd() {
        let (_d, root) = sample_root();
        let mut out = Vec::new();
        let st = root.archive("/etc/passwd", &mut out).unwrap();
        assert_eq!(st.name, "passwd");
        assert_eq!(names(&out), vec!["passwd"]);
        let mut out = Vec::new();
        root.archive("/etc", &mut out).unwrap();
        assert_eq!(
            names(&out),
            vec!["etc/", "etc/passwd", "etc/sub/", "etc/sub/f"]
        );
        let mut out = Vec::new();
        root.archive("/etc/.", &mut out).unwrap();
        assert_eq!(names(&out)[0], "./");
        // A final symlink is the link itself; with a trailing `/.` it is followed, in the root.
        let st = root.stat("/link").unwrap();
        assert_eq!(st.link_target, "/etc");
        let mut out = Vec::new();
        root.archive("/link", &mut out).unwrap();
        assert_eq!(names(&out), vec!["link"]);
        let mut out = Vec::new();
        root.archive("/link/.", &mut out).unwrap();
        assert!(
            names(&out).contains(&"./passwd".to_string()),
            "{:?}",
            names(&out)
        );
        // `up` climbs out of the root lexically: it stays the root.
        assert_eq!(root.stat("/up").unwrap().link_target, "/");
        assert!(matches!(
            root.stat("/nope"),
            Err(ContainerFileError::NotFound)
        ));
        assert!(matches!(
            root.stat("/etc/passwd/"),
            Err(ContainerFileError::NotFound)
        ));
        assert!(matches!(
            root.stat("/etc/passwd/x"),
            Err(ContainerFileError::NotFound)
        ));
    }

    #[test]
    fn extract_stays_inside_and_checks_the_destination() {
        let (d, root) = sample_root();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, "esc", "/").unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o640);
        b.append_data(&mut h, "esc/pwned", &b"hi"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        root.extract("/up", &bytes[..], ExtractOptions::default())
            .unwrap();
        // Through `up` (-> the root) and `esc` (-> /, the destination): inside the root.
        assert_eq!(std::fs::read(d.path().join("root/pwned")).unwrap(), b"hi");
        assert!(!d.path().join("pwned").exists());
        assert!(matches!(
            root.extract("/etc/passwd", &bytes[..], ExtractOptions::default()),
            Err(ContainerFileError::NotADirectory)
        ));
        assert!(matches!(
            root.extract("/missing", &bytes[..], ExtractOptions::default()),
            Err(ContainerFileError::NotFound)
        ));
    }

    #[test]
    fn extraction_is_plain_owned_and_refuses_dir_swaps() {
        let (d, root) = sample_root();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.set_uid(1234);
        h.set_gid(1234);
        b.append_data(&mut h, ".wh.keep", &b"k"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let opts = ExtractOptions {
            owner: Some((7, 8)),
            no_overwrite_dir_non_dir: true,
        };
        root.extract("/etc", &bytes[..], opts).unwrap();
        let md = std::fs::metadata(d.path().join("root/etc/.wh.keep")).unwrap();
        if rustix::process::geteuid().is_root() {
            use std::os::unix::fs::MetadataExt;
            assert_eq!((md.uid(), md.gid()), (7, 8));
        }
        // A file named like an existing directory: refused, the directory stays.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        b.append_data(&mut h, "sub", &b"x"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let err = root.extract("/etc", &bytes[..], opts).unwrap_err();
        assert!(
            err.to_string().contains("cannot overwrite directory"),
            "{err}"
        );
        assert!(d.path().join("root/etc/sub/f").exists());
    }

    #[test]
    fn detached_overlay_reads_merged_and_writes_the_upper_dir() {
        if !rustix::process::geteuid().is_root() {
            return; // overlay mounts need CAP_SYS_ADMIN
        }
        let d = tempfile::tempdir().unwrap();
        let (lower, upper, work) = (d.path().join("l"), d.path().join("u"), d.path().join("w"));
        for p in [&lower, &upper, &work] {
            std::fs::create_dir_all(p.join("etc")).unwrap();
        }
        std::fs::write(lower.join("etc/motd"), "old").unwrap();
        std::fs::write(lower.join("etc/gone"), "x").unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            upper.join("etc/gone"),
            FileType::CharacterDevice,
            Mode::empty(),
            0,
        )
        .unwrap();
        std::fs::remove_dir(work.join("etc")).unwrap();
        let data = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        );
        let ro = ContainerRoot::mount_layers(&data, false).unwrap();
        assert_eq!(ro.stat("/etc/motd").unwrap().size, 3);
        // A volume attached over /etc: its content replaces the layers' there.
        let vol = d.path().join("vol");
        std::fs::create_dir_all(&vol).unwrap();
        std::fs::write(vol.join("motd"), "from the volume").unwrap();
        ro.attach_bind(&vol, "/etc").unwrap();
        assert_eq!(ro.stat("/etc/motd").unwrap().size, 15);
        assert!(matches!(
            ro.stat("/etc/gone"),
            Err(ContainerFileError::NotFound)
        ));
        drop(ro);
        let rw = ContainerRoot::mount_layers(&data, true).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o600);
        b.append_data(&mut h, "gone", &b"new"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        rw.extract("/etc", &bytes[..], ExtractOptions::default())
            .unwrap();
        drop(rw);
        // The whiteout was replaced in the upper dir; the lower layer is untouched.
        assert_eq!(std::fs::read(upper.join("etc/gone")).unwrap(), b"new");
        assert_eq!(std::fs::read(lower.join("etc/gone")).unwrap(), b"x");
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(!mounts.contains(d.path().to_str().unwrap()));
    }

    #[test]
    fn read_only_options_stack_upper_on_lowers() {
        let o = overlay_options("lowerdir=/a:/b,upperdir=/u,workdir=/w", false).unwrap();
        assert_eq!(o, vec![("lowerdir".to_string(), "/u:/a:/b".to_string())]);
        let o = overlay_options("lowerdir=/a,upperdir=/u,workdir=/w", true).unwrap();
        assert_eq!(o.len(), 3);
    }
}
