//! Copy-up: a new, empty volume mounted over a directory of the image starts with that
//! directory's content (owners, modes and times kept), as dockerd's `copyExistingContents`.
//!
//! The image is read from its layer directories on the host (the overlay is mounted only inside
//! the container's mount namespace): upper layers win, overlay whiteouts (0:0 character devices)
//! hide what is below them, opaque directories hide the content of lower layers, and a non-
//! directory hides a lower directory of the same name. A path that passes through a symlink in
//! the image is not copied (following it on the host could read outside the image).

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags, Timespec, Timestamps};

use crate::error::{Result, StorageError};

fn is_whiteout(md: &std::fs::Metadata) -> bool {
    md.file_type().is_char_device() && md.rdev() == 0
}

fn is_opaque(dir: &Path) -> bool {
    let mut buf = [0u8; 4];
    matches!(
        rustix::fs::lgetxattr(dir, "trusted.overlay.opaque", &mut buf),
        Ok(1) if buf[0] == b'y'
    )
}

/// The directories (top layer first) that make up `rel` in the merged image, or `None` when
/// `rel` is not a directory there (missing, a file, or reached through a symlink).
fn subtree_layers(lowers: &[PathBuf], rel: &Path) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    let ancestors: Vec<&Path> = {
        let mut a: Vec<&Path> = rel
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
            .collect();
        a.reverse();
        a
    };
    for layer in lowers {
        let mut stop_below = false;
        let mut hidden_here = false;
        for a in &ancestors {
            match layer.join(a).symlink_metadata() {
                Ok(md) if md.file_type().is_symlink() => {
                    return if out.is_empty() { None } else { Some(out) }
                }
                Ok(md) if md.is_dir() => {
                    if is_opaque(&layer.join(a)) {
                        stop_below = true;
                    }
                }
                // A whiteout or a file above: nothing of `rel` below this layer.
                Ok(_) => {
                    hidden_here = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if hidden_here {
            break;
        }
        let here = layer.join(rel);
        match here.symlink_metadata() {
            Ok(md) if md.is_dir() => {
                let opaque = is_opaque(&here);
                out.push(here);
                if opaque {
                    break;
                }
            }
            // The top-most entry is not a directory: nothing to copy.
            Ok(md) if out.is_empty() && !is_whiteout(&md) => return None,
            Ok(_) => break,
            Err(_) => {}
        }
        if stop_below {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Relative path → the layer directory providing it (parents sort before children).
fn merged(layers: &[PathBuf]) -> BTreeMap<PathBuf, PathBuf> {
    let mut chosen: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    // Paths whose lower content is hidden: whiteouts, opaque dirs, non-directories.
    let mut hidden: HashSet<PathBuf> = HashSet::new();
    for layer in layers {
        let mut new_hidden = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(layer.join(&dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let rel = dir.join(e.file_name());
                if rel.ancestors().skip(1).any(|a| hidden.contains(a)) || hidden.contains(&rel) {
                    continue;
                }
                let Ok(md) = e.path().symlink_metadata() else {
                    continue;
                };
                if md.is_dir() {
                    stack.push(rel.clone());
                    if is_opaque(&e.path()) {
                        new_hidden.push(rel.clone());
                    }
                }
                if chosen.contains_key(&rel) {
                    continue;
                }
                if is_whiteout(&md) {
                    new_hidden.push(rel);
                    continue;
                }
                if !md.is_dir() {
                    new_hidden.push(rel.clone());
                }
                chosen.insert(rel, layer.clone());
            }
        }
        hidden.extend(new_hidden);
    }
    chosen
}

fn timestamps(md: &std::fs::Metadata) -> Timestamps {
    let ts = |s: i64, ns: i64| Timespec {
        tv_sec: s,
        tv_nsec: ns as _,
    };
    Timestamps {
        last_access: ts(md.atime(), md.atime_nsec()),
        last_modification: ts(md.mtime(), md.mtime_nsec()),
    }
}

/// Owner, then mode (chown clears set-id bits), then times, of an open file or directory.
fn copy_attributes_fd(from: &std::fs::Metadata, fd: impl AsFd) -> io::Result<()> {
    rustix::fs::fchown(
        &fd,
        Some(rustix::process::Uid::from_raw(from.uid())),
        Some(rustix::process::Gid::from_raw(from.gid())),
    )?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(from.mode() & 0o7777))?;
    rustix::fs::futimens(&fd, &timestamps(from))?;
    Ok(())
}

/// Opens the directory `rel` below `data` without following any symlink on the way: a
/// container sharing the volume cannot redirect the copy out of it.
fn open_dir_beneath(data: &OwnedFd, rel: &Path) -> io::Result<OwnedFd> {
    let rel = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    Ok(rustix::fs::openat2(
        data,
        rel,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )?)
}

/// Creates `name` in the directory `parent` as a copy of `src` (directory, symlink or regular
/// file; other kinds are skipped). Directory attributes are set later, after their content.
fn copy_entry(
    parent: &OwnedFd,
    name: &OsStr,
    src: &Path,
    md: &std::fs::Metadata,
) -> io::Result<()> {
    let ft = md.file_type();
    if ft.is_dir() {
        rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o700))?;
    } else if ft.is_symlink() {
        rustix::fs::symlinkat(std::fs::read_link(src)?, parent, name)?;
        rustix::fs::chownat(
            parent,
            name,
            Some(rustix::process::Uid::from_raw(md.uid())),
            Some(rustix::process::Gid::from_raw(md.gid())),
            AtFlags::SYMLINK_NOFOLLOW,
        )?;
        rustix::fs::utimensat(parent, name, &timestamps(md), AtFlags::SYMLINK_NOFOLLOW)?;
    } else if ft.is_file() {
        let mut from = std::fs::File::open(src)?;
        // O_EXCL | O_NOFOLLOW: never writes through something already there.
        let fd = rustix::fs::openat(
            parent,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )?;
        let mut to = std::fs::File::from(fd);
        io::copy(&mut from, &mut to)?;
        copy_attributes_fd(md, &to)?;
    }
    // Device nodes, FIFOs and sockets in a volume directory of an image: not copied.
    Ok(())
}

/// Copies the image's content at `destination` (an absolute container path) into the empty
/// volume directory `data`, then gives `data` the owner and mode of the image's directory.
/// `lowers` are the image's layer directories, top first. Returns whether anything was copied
/// (false when the image has no directory there).
pub fn copy_image_content(lowers: &[PathBuf], destination: &str, data: &Path) -> Result<bool> {
    let rel = Path::new(destination.trim_start_matches('/'));
    if rel.as_os_str().is_empty() {
        return Ok(false);
    }
    let Some(layers) = subtree_layers(lowers, rel) else {
        return Ok(false);
    };
    let io_err = |what: &Path, e: io::Error| {
        StorageError::io(
            format!(
                "copy image content into volume {}",
                data.join(what).display()
            ),
            e,
        )
    };
    let root = rustix::fs::open(
        data,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io_err(Path::new(""), e.into()))?;
    let mut dirs: Vec<(PathBuf, std::fs::Metadata)> = Vec::new();
    for (entry, layer) in merged(&layers) {
        let src = layer.join(&entry);
        let Ok(md) = src.symlink_metadata() else {
            continue;
        };
        let (Some(parent_rel), Some(name)) = (entry.parent(), entry.file_name()) else {
            continue;
        };
        let parent = open_dir_beneath(&root, parent_rel).map_err(|e| io_err(parent_rel, e))?;
        copy_entry(&parent, name, &src, &md).map_err(|e| io_err(&entry, e))?;
        if md.is_dir() {
            dirs.push((entry, md));
        }
    }
    // Directory attributes last, deepest first: creating entries inside changed their times.
    for (rel, md) in dirs.iter().rev() {
        let fd = open_dir_beneath(&root, rel).map_err(|e| io_err(rel, e))?;
        copy_attributes_fd(md, &fd).map_err(|e| io_err(rel, e))?;
    }
    let top = layers[0]
        .symlink_metadata()
        .map_err(|e| io_err(Path::new(""), e))?;
    copy_attributes_fd(&top, &root).map_err(|e| io_err(Path::new(""), e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::CWD;
    use std::os::unix::fs::PermissionsExt;

    fn whiteout(p: &Path) {
        rustix::fs::mknodat(
            CWD,
            p,
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            0,
        )
        .unwrap();
    }

    #[test]
    fn copies_the_merged_directory_with_modes() {
        let dir = tempfile::tempdir().unwrap();
        let (top, bottom, data) = (
            dir.path().join("top"),
            dir.path().join("bottom"),
            dir.path().join("data"),
        );
        std::fs::create_dir_all(bottom.join("vol/sub")).unwrap();
        std::fs::write(bottom.join("vol/sub/a"), "a").unwrap();
        std::fs::write(bottom.join("vol/gone"), "x").unwrap();
        std::fs::write(bottom.join("vol/replaced"), "old").unwrap();
        std::fs::create_dir_all(top.join("vol")).unwrap();
        std::fs::write(top.join("vol/replaced"), "new").unwrap();
        std::fs::set_permissions(
            top.join("vol/replaced"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        std::fs::set_permissions(top.join("vol"), std::fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", top.join("vol/link")).unwrap();
        whiteout(&top.join("vol/gone"));
        std::fs::create_dir(&data).unwrap();

        assert!(copy_image_content(&[top.clone(), bottom.clone()], "/vol", &data).unwrap());
        assert_eq!(std::fs::read_to_string(data.join("sub/a")).unwrap(), "a");
        assert_eq!(
            std::fs::read_to_string(data.join("replaced")).unwrap(),
            "new"
        );
        assert_eq!(
            data.join("replaced").metadata().unwrap().mode() & 0o777,
            0o640
        );
        assert!(!data.join("gone").exists());
        assert_eq!(
            std::fs::read_link(data.join("link")).unwrap(),
            Path::new("/etc/passwd")
        );
        assert_eq!(data.metadata().unwrap().mode() & 0o777, 0o750);
    }

    #[test]
    fn nothing_to_copy_for_missing_files_and_symlinked_paths() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("layer");
        let data = dir.path().join("data");
        std::fs::create_dir_all(layer.join("real")).unwrap();
        std::fs::write(layer.join("real/secret"), "s").unwrap();
        std::fs::write(layer.join("file"), "f").unwrap();
        // A symlink in the image pointing at a host directory must not be followed.
        std::os::unix::fs::symlink(dir.path(), layer.join("escape")).unwrap();
        std::fs::create_dir(&data).unwrap();
        let lowers = [layer.clone()];
        assert!(!copy_image_content(&lowers, "/missing", &data).unwrap());
        assert!(!copy_image_content(&lowers, "/file", &data).unwrap());
        assert!(!copy_image_content(&lowers, "/escape/layer/real", &data).unwrap());
        assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);
    }

    #[test]
    fn never_writes_through_a_symlink_in_the_volume() {
        let dir = tempfile::tempdir().unwrap();
        let (layer, data, outside) = (
            dir.path().join("layer"),
            dir.path().join("data"),
            dir.path().join("outside"),
        );
        std::fs::create_dir_all(layer.join("vol/sub")).unwrap();
        std::fs::write(layer.join("vol/sub/f"), "x").unwrap();
        std::fs::write(layer.join("vol/top"), "x").unwrap();
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        // Planted by a container sharing the volume.
        std::os::unix::fs::symlink(&outside, data.join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.join("top"), data.join("top")).unwrap();
        assert!(copy_image_content(&[layer], "/vol", &data).is_err());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_file_or_whiteout_above_hides_a_lower_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (top, bottom, data) = (
            dir.path().join("top"),
            dir.path().join("bottom"),
            dir.path().join("data"),
        );
        std::fs::create_dir_all(bottom.join("vol/d")).unwrap();
        std::fs::write(bottom.join("vol/d/x"), "x").unwrap();
        std::fs::create_dir_all(top.join("vol")).unwrap();
        std::fs::write(top.join("vol/d"), "now a file").unwrap();
        std::fs::create_dir(&data).unwrap();
        assert!(copy_image_content(&[top.clone(), bottom.clone()], "/vol", &data).unwrap());
        assert_eq!(
            std::fs::read_to_string(data.join("d")).unwrap(),
            "now a file"
        );

        let top2 = dir.path().join("top2");
        std::fs::create_dir_all(&top2).unwrap();
        whiteout(&top2.join("vol"));
        let data2 = dir.path().join("data2");
        std::fs::create_dir(&data2).unwrap();
        assert!(!copy_image_content(&[top2, top, bottom], "/vol", &data2).unwrap());
    }
}
