//! The image store: configs in `content/blobs/sha256`, layers in `layers/<chainid>`, names in
//! `images/repositories.json`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::ImageConfig;
use crate::digest::ImageId;
use crate::error::{ImageError, Result};
use crate::reference::Reference;

/// An image as the daemon sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub id: ImageId,
    /// Familiar names with tags, e.g. `busybox:latest`, sorted.
    pub repo_tags: Vec<String>,
    /// Familiar names with digests, e.g. `localhost:5000/app@sha256:…`, sorted.
    pub repo_digests: Vec<String>,
    pub config: ImageConfig,
    /// Chain ids of the layers, bottom first (`sha256:<hex>`).
    pub chain_ids: Vec<String>,
    /// Sum of the layers' unpacked sizes in bytes.
    pub size: u64,
}

impl Image {
    /// `created` as Unix seconds.
    pub fn created_unix(&self) -> i64 {
        self.config.created_unix()
    }
}

/// A container that uses an image, as the engine reports it to [`ImageStore::delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUser {
    /// The container's full id.
    pub container_id: String,
    pub running: bool,
}

/// One line of `docker rmi` output (`{"Untagged": …}` or `{"Deleted": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteItem {
    /// A familiar reference that was removed, e.g. `busybox:latest`.
    Untagged(String),
    /// An image id or a layer chain id that was deleted (`sha256:…`).
    Deleted(String),
}

/// The image store under a data root. Cheap to share in an `Arc`; every method is blocking and
/// serialised by an internal mutex, so call it from `spawn_blocking` in async code.
pub struct ImageStore {
    root: PathBuf,
    lock: Mutex<()>,
}

impl ImageStore {
    /// Opens (creating if needed) the store under `data_root`.
    pub fn open(data_root: &Path) -> Result<ImageStore> {
        Ok(ImageStore {
            root: data_root.to_path_buf(),
            lock: Mutex::new(()),
        })
    }

    /// The data root this store lives in.
    pub fn data_root(&self) -> &Path {
        &self.root
    }

    /// Imports a rootfs tar (plain or gzip) as a one-layer image (`docker import`). `message` becomes
    /// the config's `comment` and history comment (dockerd uses `Imported from -` when the user
    /// gave none: pass that); `changes` are `--change` instructions; `tag` is tagged on success.
    pub fn import(
        &self,
        reader: impl Read,
        message: &str,
        changes: &[String],
        tag: Option<&Reference>,
    ) -> Result<ImageId> {
        let _ = (reader, message, changes, tag, &self.lock);
        Err(ImageError::InvalidArgument(
            "import: not implemented yet".into(),
        ))
    }

    /// Finds an image by reference, `sha256:<hex>`, full hex id or unique id prefix.
    pub fn resolve(&self, name_or_id: &str) -> Result<Image> {
        Err(ImageError::NotFound(name_or_id.to_string()))
    }

    /// Same as [`ImageStore::resolve`]; named for the API call it serves.
    pub fn inspect(&self, name_or_id: &str) -> Result<Image> {
        self.resolve(name_or_id)
    }

    /// Every image, newest first.
    pub fn list(&self) -> Result<Vec<Image>> {
        Ok(Vec::new())
    }

    /// The exact stored config bytes of an image (for `save` and anything that needs the digest).
    pub fn config_bytes(&self, id: &ImageId) -> Result<Vec<u8>> {
        Err(ImageError::NotFound(id.to_string()))
    }

    /// Points `target` (a tag defaults to `latest`) at the image `source` names.
    pub fn tag(&self, source: &str, target: &Reference) -> Result<()> {
        let _ = target;
        Err(ImageError::NotFound(source.to_string()))
    }

    /// Removes one reference; returns the image it pointed to.
    pub fn untag(&self, reference: &Reference) -> Result<ImageId> {
        Err(ImageError::NotFound(reference.familiar()))
    }

    /// `docker rmi` with Docker's semantics. `user_of` says which container (if any) uses an image.
    pub fn delete(
        &self,
        name: &str,
        force: bool,
        user_of: &dyn Fn(&ImageId) -> Option<ImageUser>,
    ) -> Result<Vec<DeleteItem>> {
        let _ = (force, user_of);
        Err(ImageError::NotFound(name.to_string()))
    }

    /// The image's layer `diff` directories, top-most first (overlay's `lowerdir` order).
    pub fn layer_dirs(&self, image: &Image) -> Result<Vec<PathBuf>> {
        let _ = image;
        Ok(Vec::new())
    }

    /// The unpacked size of an image in bytes.
    pub fn size(&self, image: &Image) -> u64 {
        image.size
    }
}
