//! Laying out a COPY/ADD/WORKDIR layer in a fresh staging directory: the tree holds the new and
//! changed paths at their place under `/`, plus their parent directories (with the image's own
//! mode and owner where they exist there, so the layer does not change them; 0755 and the copy's
//! owner where they are new). Destinations are resolved inside the image root first, so a
//! symlinked directory in the image (`/var/run` → `/run`) receives the files instead of being
//! replaced by a directory.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use dockerignore::DockerIgnore;

use crate::error::BuildError;

/// Who owns what a COPY writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Everything owned by this uid:gid (the default 0:0, or `--chown`).
    Fixed(u32, u32),
    /// Keep the source's owners (`COPY --from` without `--chown`).
    Preserve,
}

impl Owner {
    /// The owner of directories the copy has to create.
    fn for_new_dirs(self) -> (u32, u32) {
        match self {
            Owner::Fixed(uid, gid) => (uid, gid),
            Owner::Preserve => (0, 0),
        }
    }
}

/// A layer being staged.
pub struct LayerStage {
    /// The staging directory (the layer's `/`).
    pub dir: PathBuf,
    /// The image the layer goes on, to look at what exists already.
    pub image_root: PathBuf,
    /// Only root can give files other owners; tests running unprivileged skip ownership.
    can_chown: bool,
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> BuildError {
    let what = what.into();
    move |e| BuildError::io(what, e)
}

impl LayerStage {
    /// Creates a fresh staging directory under `scratch`.
    pub fn create(scratch: &Path, image_root: &Path) -> Result<LayerStage, BuildError> {
        fs::create_dir_all(scratch).map_err(io_err("create build scratch directory"))?;
        let dir = tempfile::Builder::new()
            .prefix("layer-")
            .tempdir_in(scratch)
            .map_err(io_err("create layer staging directory"))?
            .keep();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
            .map_err(io_err("chmod layer staging directory"))?;
        Ok(LayerStage {
            dir,
            image_root: image_root.to_path_buf(),
            can_chown: rustix::process::geteuid().is_root(),
        })
    }

    /// Removes the staging directory (after the executor committed it).
    pub fn remove(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }

    fn set_owner(&self, path: &Path, uid: u32, gid: u32) -> Result<(), BuildError> {
        if self.can_chown {
            std::os::unix::fs::lchown(path, Some(uid), Some(gid))
                .map_err(io_err(format!("chown {}", path.display())))?;
        }
        Ok(())
    }

    /// Whether `rel` (resolved, symlink-free) is a directory in the image or already staged.
    pub fn is_dir(&self, rel: &Path) -> bool {
        let staged = fs::symlink_metadata(self.dir.join(rel));
        if let Ok(meta) = staged {
            return meta.is_dir();
        }
        fs::symlink_metadata(self.image_root.join(rel)).is_ok_and(|m| m.is_dir())
    }

    /// Creates `rel` and its parents as directories in the staging tree: existing image
    /// directories are mirrored with their own mode and owner, new ones get 0755 and `owner`.
    pub fn ensure_dir(&self, rel: &Path, owner: (u32, u32)) -> Result<(), BuildError> {
        let mut prefix = PathBuf::new();
        for component in rel.components() {
            let Component::Normal(name) = component else {
                continue;
            };
            prefix.push(name);
            let staged = self.dir.join(&prefix);
            match fs::symlink_metadata(&staged) {
                Ok(meta) if meta.is_dir() => continue,
                Ok(_) => {
                    fs::remove_file(&staged).map_err(io_err(format!(
                        "replace {} with a directory",
                        staged.display()
                    )))?;
                }
                Err(_) => {}
            }
            fs::create_dir(&staged).map_err(io_err(format!("mkdir {}", staged.display())))?;
            match fs::symlink_metadata(self.image_root.join(&prefix)) {
                Ok(existing) if existing.is_dir() => {
                    self.set_owner(&staged, existing.uid(), existing.gid())?;
                    fs::set_permissions(
                        &staged,
                        fs::Permissions::from_mode(existing.mode() & 0o7777),
                    )
                    .map_err(io_err(format!("chmod {}", staged.display())))?;
                }
                _ => {
                    self.set_owner(&staged, owner.0, owner.1)?;
                    fs::set_permissions(&staged, fs::Permissions::from_mode(0o755))
                        .map_err(io_err(format!("chmod {}", staged.display())))?;
                }
            }
        }
        Ok(())
    }

    /// Copies one file, symlink or special file `src` to `dest_rel` (its parents are created).
    pub fn copy_entry(&self, src: &Path, dest_rel: &Path, owner: Owner) -> Result<(), BuildError> {
        if let Some(parent) = dest_rel.parent() {
            self.ensure_dir(parent, owner.for_new_dirs())?;
        }
        let dest = self.dir.join(dest_rel);
        let meta = fs::symlink_metadata(src).map_err(io_err(format!("stat {}", src.display())))?;
        if let Ok(existing) = fs::symlink_metadata(&dest) {
            if existing.is_dir() {
                fs::remove_dir_all(&dest)
            } else {
                fs::remove_file(&dest)
            }
            .map_err(io_err(format!("replace {}", dest.display())))?;
        }
        let (uid, gid) = match owner {
            Owner::Fixed(uid, gid) => (uid, gid),
            Owner::Preserve => (meta.uid(), meta.gid()),
        };
        let file_type = meta.file_type();
        if file_type.is_symlink() {
            let target =
                fs::read_link(src).map_err(io_err(format!("readlink {}", src.display())))?;
            std::os::unix::fs::symlink(&target, &dest)
                .map_err(io_err(format!("symlink {}", dest.display())))?;
            self.set_owner(&dest, uid, gid)?;
            return Ok(());
        }
        if !file_type.is_file() {
            // Sockets, fifos and devices in a build context are not copied (dockerd's archiver
            // would; they do not occur in real contexts and a device node is a risk).
            return Ok(());
        }
        fs::copy(src, &dest).map_err(io_err(format!(
            "copy {} to {}",
            src.display(),
            dest.display()
        )))?;
        self.set_owner(&dest, uid, gid)?;
        // chown clears set-id bits: the mode goes last.
        fs::set_permissions(&dest, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(io_err(format!("chmod {}", dest.display())))?;
        if let Ok(modified) = meta.modified() {
            if let Ok(file) = fs::File::options().write(true).open(&dest) {
                let _ = file.set_modified(modified);
            }
        }
        Ok(())
    }

    /// Copies the contents of directory `src_rel` of `src_root` into `dest_rel` (dockerd copies
    /// a directory's contents, not the directory). `ignore` hides context paths.
    pub fn copy_dir(
        &self,
        src_root: &Path,
        src_rel: &Path,
        dest_rel: &Path,
        owner: Owner,
        ignore: Option<&DockerIgnore>,
    ) -> Result<(), BuildError> {
        let src_dir = src_root.join(src_rel);
        let meta = fs::symlink_metadata(&src_dir)
            .map_err(io_err(format!("stat {}", src_dir.display())))?;
        let existed = self.is_dir(dest_rel);
        self.ensure_dir(dest_rel, owner.for_new_dirs())?;
        if !existed {
            let dest = self.dir.join(dest_rel);
            let (uid, gid) = match owner {
                Owner::Fixed(uid, gid) => (uid, gid),
                Owner::Preserve => (meta.uid(), meta.gid()),
            };
            self.set_owner(&dest, uid, gid)?;
            fs::set_permissions(&dest, fs::Permissions::from_mode(meta.mode() & 0o7777))
                .map_err(io_err(format!("chmod {}", dest.display())))?;
        }
        let source = crate::copy_source::SourceRoot {
            root: src_root,
            ignore,
            is_context: ignore.is_some(),
        };
        let prefix = src_rel.to_string_lossy().into_owned();
        let mut failure = None;
        source.walk(&prefix, &mut |entry_rel, entry_meta| {
            if failure.is_some() {
                return;
            }
            let inside = Path::new(entry_rel)
                .strip_prefix(src_rel)
                .unwrap_or(Path::new(entry_rel));
            let target = dest_rel.join(inside);
            let result = if entry_meta.is_dir() {
                self.copy_dir_node(&target, entry_meta, owner)
            } else {
                self.copy_entry(&src_root.join(entry_rel), &target, owner)
            };
            if let Err(e) = result {
                failure = Some(e);
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// A directory inside a copied tree: takes the source directory's mode and owner.
    fn copy_dir_node(
        &self,
        target: &Path,
        meta: &fs::Metadata,
        owner: Owner,
    ) -> Result<(), BuildError> {
        self.ensure_dir(target, owner.for_new_dirs())?;
        let dest = self.dir.join(target);
        let (uid, gid) = match owner {
            Owner::Fixed(uid, gid) => (uid, gid),
            Owner::Preserve => (meta.uid(), meta.gid()),
        };
        self.set_owner(&dest, uid, gid)?;
        fs::set_permissions(&dest, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(io_err(format!("chmod {}", dest.display())))
    }
}
