//! `docker load`: archives in the legacy docker-archive layout (`manifest.json`, `repositories`,
//! `<config>.json`, `<layer>/layer.tar`), in the OCI image layout (`oci-layout`, `index.json`,
//! `blobs/sha256/…`), and in the combined layout dockerd ≥ 25 and berth's `save` write
//! (archive_save.rs). `manifest.json` wins when both are there, as in dockerd's graphdriver store.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use rustix::fs::{FileType, OFlags};
use serde::{Deserialize, Serialize};

use crate::apply::{apply_layer_with, WhiteoutMode};
use crate::archive_oci::plan_oci_images;
use crate::atomic::unique_suffix;
use crate::compression::decompressed;
use crate::config::ImageConfig;
use crate::digest::{chain_id, chain_ids, ImageId};
use crate::error::{ImageError, Result};
use crate::oci_layout::INDEX_FILE;
use crate::reference::Reference;
use crate::rooted::{clean_path, Root};
use crate::store::ImageStore;

/// The largest JSON document (manifest.json, index.json, a manifest, a config) read from an
/// archive, as containerd's importer limits them.
pub(crate) const JSON_LIMIT: u64 = 20 << 20;

const MANIFEST_FILE: &str = "manifest.json";

/// One `manifest.json` entry (moby's `manifestItem`; `LayerSources` is never written).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ManifestEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
    #[serde(rename = "Parent", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// An image `load` brought in, for the `Loaded image: …` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedImage {
    pub id: ImageId,
    /// Familiar tags from the archive (`busybox:latest`); empty means print `Loaded image ID: <id>`.
    pub tags: Vec<String>,
}

/// How much of one layer `load` has read: `current` of `total` bytes of its file in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerLoadProgress<'a> {
    pub diff_id: &'a str,
    pub current: u64,
    pub total: u64,
}

/// Reports every read of a layer file, the end included.
struct ReportingReader<'a, R> {
    inner: R,
    diff_id: &'a str,
    current: u64,
    total: u64,
    report: &'a mut dyn FnMut(LayerLoadProgress<'_>),
}

impl<R: Read> Read for ReportingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.current += n as u64;
        (self.report)(LayerLoadProgress {
            diff_id: self.diff_id,
            current: self.current,
            total: self.total,
        });
        Ok(n)
    }
}

/// An image found in an archive and checked, not yet added: its config and, bottom first, the
/// archive path of each layer (plain, gzip or zstd tar).
pub(crate) struct PlannedImage {
    pub config_bytes: Vec<u8>,
    pub diff_ids: Vec<String>,
    pub layer_paths: Vec<String>,
    pub references: Vec<Reference>,
    /// `Parent` from `manifest.json`: the image this one was committed on.
    pub parent: Option<ImageId>,
}

/// The unpacked archive. Every name is resolved inside it (`..` and symlinks included).
pub(crate) struct ArchiveDir {
    root: Root,
}

impl ArchiveDir {
    /// Opens a member; a missing one is `None`.
    pub(crate) fn open_optional(&self, name: &str) -> Result<Option<File>> {
        let parts = clean_path(name.as_bytes())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                ImageError::InvalidArgument(format!("invalid path in archive: {name:?}"))
            })?;
        // Non-blocking so that a FIFO member cannot hang the open; only regular files are read
        // (a device node such as /dev/zero would never end).
        let fd = match self.root.open_at(&parts, OFlags::RDONLY | OFlags::NONBLOCK) {
            Ok(fd) => fd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ImageError::InvalidArgument(format!(
                    "open {name} in archive: {e}"
                )))
            }
        };
        let stat = rustix::fs::fstat(&fd)
            .map_err(|e| ImageError::InvalidArgument(format!("stat {name} in archive: {e}")))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: {name} is not a regular file"
            )));
        }
        Ok(Some(File::from(fd)))
    }

    /// Opens a member that must be there.
    pub(crate) fn open(&self, name: &str) -> Result<File> {
        self.open_optional(name)?.ok_or_else(|| {
            ImageError::InvalidArgument(format!("open {name} in archive: file not found"))
        })
    }
}

/// Reads at most [`JSON_LIMIT`] bytes; a larger document is refused.
pub(crate) fn read_limited(file: File, name: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(JSON_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImageError::InvalidArgument(format!("read {name} in archive: {e}")))?;
    if bytes.len() as u64 > JSON_LIMIT {
        return Err(ImageError::InvalidArgument(format!(
            "invalid archive: {name} is larger than {JSON_LIMIT} bytes"
        )));
    }
    Ok(bytes)
}

impl ImageStore {
    /// Loads a `docker save` archive (plain or gzip) in the docker-archive or OCI layout. The
    /// archive is unpacked into a private directory first (its members may come in any order);
    /// every path it names is resolved inside that directory. Every image is checked before any
    /// layer is stored (blob digests and sizes, layer counts, the diff ids of compressed OCI
    /// layers), and every layer must hash to the diff id its config declares.
    pub fn load(&self, reader: impl Read) -> Result<Vec<LoadedImage>> {
        self.load_reporting(reader, &mut |_| {})
    }

    /// [`ImageStore::load`], telling `report` how far each layer it stores has been read
    /// (dockerd's `Loading layer` progress). Layers already in the store are not reported.
    pub fn load_reporting(
        &self,
        reader: impl Read,
        report: &mut dyn FnMut(LayerLoadProgress<'_>),
    ) -> Result<Vec<LoadedImage>> {
        let spool = self
            .data_root()
            .join("layers")
            .join(format!("tmp-load-{}", unique_suffix()));
        let result = self.load_from_spool(&spool, reader, report);
        let _ = std::fs::remove_dir_all(&spool);
        result
    }

    fn load_from_spool(
        &self,
        spool: &Path,
        reader: impl Read,
        report: &mut dyn FnMut(LayerLoadProgress<'_>),
    ) -> Result<Vec<LoadedImage>> {
        apply_layer_with(spool, decompressed(reader)?, WhiteoutMode::Flatten)?;
        let archive = ArchiveDir {
            root: Root::open(spool).map_err(|e| ImageError::io("open load spool", e))?,
        };
        let planned = if let Some(file) = archive.open_optional(MANIFEST_FILE)? {
            plan_legacy_images(&archive, file)?
        } else if archive.open_optional(INDEX_FILE)?.is_some() {
            plan_oci_images(&archive)?
        } else {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: does not contain a {MANIFEST_FILE} or an {INDEX_FILE}"
            )));
        };
        // Held from before the first layer is looked at until the images are added, so no
        // collection removes a layer in between; on failure the layers this load added and no
        // image references are removed again.
        let lease = self.lease();
        let mut loaded = Vec::new();
        let mut parent_links = Vec::new();
        for image in planned {
            self.hold_layers(&lease, &chain_ids(&image.diff_ids));
            let parent = image.parent.clone();
            let config_bytes = image.config_bytes.clone();
            match self.add_planned(&archive, image, report) {
                Ok(added) => {
                    parent_links.push((added.id.clone(), config_bytes, parent));
                    loaded.push(added);
                }
                Err(e) => {
                    self.abandon(&lease);
                    return Err(e);
                }
            }
        }
        self.link_parents(&parent_links)?;
        Ok(loaded)
    }

    /// Records `Parent` links between images of the same archive, as dockerd does: only when
    /// the parent was loaded too and the child's history is the parent's plus one entry.
    fn link_parents(&self, links: &[(ImageId, Vec<u8>, Option<ImageId>)]) -> Result<()> {
        for (id, config_bytes, parent) in links {
            let Some(parent) = parent else { continue };
            let Some((_, parent_bytes, _)) = links.iter().find(|(p, _, _)| p == parent && p != id)
            else {
                continue;
            };
            let child = ImageConfig::from_bytes(config_bytes)?;
            let parent_config = ImageConfig::from_bytes(parent_bytes)?;
            if !is_valid_parent(&child, &parent_config) {
                return Err(ImageError::InvalidArgument(format!(
                    "image {parent} is not a valid parent for {id}"
                )));
            }
            let mut state = self.lock();
            self.add_image_locked(&mut state, config_bytes, Some(parent.clone()))?;
        }
        Ok(())
    }

    /// Stores a checked image's missing layers, bottom up, then its config and references.
    fn add_planned(
        &self,
        archive: &ArchiveDir,
        image: PlannedImage,
        report: &mut dyn FnMut(LayerLoadProgress<'_>),
    ) -> Result<LoadedImage> {
        let mut parent: Option<String> = None;
        for (i, (diff_id, layer_path)) in image.diff_ids.iter().zip(&image.layer_paths).enumerate()
        {
            let chain = chain_id(parent.as_deref(), diff_id);
            if !self.has_layer(&chain) {
                let file = archive.open(layer_path)?;
                let total = file
                    .metadata()
                    .map_err(|e| ImageError::io("stat layer in archive", e))?
                    .len();
                let reader = ReportingReader {
                    inner: file,
                    diff_id,
                    current: 0,
                    total,
                    report: &mut *report,
                };
                self.add_layer(BufReader::new(reader), parent.as_deref(), diff_id)
                    .map_err(|e| match e {
                        ImageError::InvalidArgument(m)
                            if m.starts_with("invalid diffID for layer") =>
                        {
                            ImageError::InvalidArgument(m.replacen(
                                "layer",
                                &format!("layer {i}"),
                                1,
                            ))
                        }
                        other => other,
                    })?;
            }
            parent = Some(chain);
        }
        let id = self.add_image(&image.config_bytes, &image.references)?;
        let tags = image.references.iter().map(Reference::familiar).collect();
        Ok(LoadedImage { id, tags })
    }
}

/// Reads `manifest.json` and each image's config; checks layer counts before anything is stored.
fn plan_legacy_images(archive: &ArchiveDir, manifest_file: File) -> Result<Vec<PlannedImage>> {
    let manifest_bytes = read_limited(manifest_file, MANIFEST_FILE)?;
    let manifest: Option<Vec<ManifestEntry>> =
        serde_json::from_slice(&manifest_bytes).map_err(|e| {
            ImageError::InvalidArgument(format!(
                "invalid archive: failed to decode {MANIFEST_FILE}: {e}"
            ))
        })?;
    let manifest = manifest.ok_or_else(|| {
        ImageError::InvalidArgument(
            "invalid manifest, manifest cannot be null (but can be [])".to_string(),
        )
    })?;
    let mut planned = Vec::new();
    for entry in manifest {
        let config_bytes = read_limited(archive.open(&entry.config)?, &entry.config)?;
        let config = ImageConfig::from_bytes(&config_bytes)
            .map_err(|e| ImageError::InvalidArgument(format!("invalid image config: {e}")))?;
        let diff_ids = config.rootfs.diff_ids;
        if diff_ids.len() != entry.layers.len() {
            return Err(ImageError::InvalidArgument(format!(
                "invalid manifest, layers length mismatch: expected {}, got {}",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        let references = entry
            .repo_tags
            .unwrap_or_default()
            .iter()
            .map(|t| Reference::parse(t).map(|r| r.with_default_tag()))
            .collect::<Result<Vec<_>>>()?;
        let parent = entry.parent.as_deref().map(ImageId::parse).transpose()?;
        planned.push(PlannedImage {
            config_bytes,
            diff_ids,
            layer_paths: entry.layers,
            references,
            parent,
        });
    }
    Ok(planned)
}

/// dockerd's `checkValidParent`: the child's history is the parent's with one entry more.
fn is_valid_parent(child: &ImageConfig, parent: &ImageConfig) -> bool {
    if child.history.is_empty() && parent.history.is_empty() {
        return true;
    }
    child.history.len() == parent.history.len() + 1
        && child.history[..parent.history.len()] == parent.history[..]
}
