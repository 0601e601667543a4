//! Reading an OCI image layout archive (`index.json` + `blobs/sha256/…`) for `load`.
//!
//! Each `index.json` entry is followed to a single-platform manifest (a nested index or manifest
//! list picks linux/amd64, as a pull does), and every blob it reaches is checked against its
//! descriptor (sha256 and size) before anything is stored. Layer blobs may be plain, gzip or zstd
//! tars; a compressed one's uncompressed digest must be the diff id its config declares. Names
//! come from `io.containerd.image.name`, else from `org.opencontainers.image.ref.name` when that
//! is a full reference (a bare tag such as `latest` names nothing: the image loads untagged).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader};

use crate::archive::{read_limited, ArchiveDir, PlannedImage, JSON_LIMIT};
use crate::compression::decompressed;
use crate::config::ImageConfig;
use crate::digest::{sha256_digest, HashingReader, HashingWriter, ImageId};
use crate::error::{ImageError, Result};
use crate::oci_layout::{
    is_index_media_type, is_manifest_media_type, Descriptor, Document, ImageLayout,
    ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, BLOBS_DIR, INDEX_FILE, OCI_LAYOUT_FILE,
    OCI_LAYOUT_VERSION,
};
use crate::reference::Reference;

/// Nested indexes followed before giving up (a loop of indexes would otherwise never end).
const MAX_INDEX_DEPTH: usize = 4;

/// The images `index.json` names, checked, in the order first listed; entries that resolve to
/// the same image share one plan with all their names.
pub(crate) fn plan_oci_images(archive: &ArchiveDir) -> Result<Vec<PlannedImage>> {
    if let Some(file) = archive.open_optional(OCI_LAYOUT_FILE)? {
        let layout: ImageLayout =
            parse_json(&read_limited(file, OCI_LAYOUT_FILE)?, OCI_LAYOUT_FILE)?;
        if layout.version != OCI_LAYOUT_VERSION {
            return Err(ImageError::InvalidArgument(format!(
                "unsupported OCI version {}",
                layout.version
            )));
        }
    }
    let index: Document = parse_json(
        &read_limited(archive.open(INDEX_FILE)?, INDEX_FILE)?,
        INDEX_FILE,
    )?;
    let entries = index.manifests.unwrap_or_default();
    if entries.is_empty() {
        return Err(ImageError::InvalidArgument(format!(
            "invalid archive: {INDEX_FILE} lists no image"
        )));
    }
    let mut blobs = Blobs {
        archive,
        verified: HashSet::new(),
        uncompressed: HashSet::new(),
    };
    let mut planned: Vec<(ImageId, PlannedImage)> = Vec::new();
    for entry in &entries {
        let reference = reference_of(entry)?;
        let (config_descriptor, layers) = blobs.resolve_manifest(entry, 0)?;
        let config_bytes = blobs.read(&config_descriptor)?;
        let id = ImageId::of_config(&config_bytes);
        if let Some((_, plan)) = planned.iter_mut().find(|(planned_id, _)| *planned_id == id) {
            if let Some(r) = reference.filter(|r| !plan.references.contains(r)) {
                plan.references.push(r);
            }
            continue;
        }
        let config = ImageConfig::from_bytes(&config_bytes)
            .map_err(|e| ImageError::InvalidArgument(format!("invalid image config: {e}")))?;
        let diff_ids = config.rootfs.diff_ids;
        if diff_ids.len() != layers.len() {
            return Err(ImageError::InvalidArgument(format!(
                "invalid manifest, layers length mismatch: expected {}, got {}",
                layers.len(),
                diff_ids.len()
            )));
        }
        let mut layer_paths = Vec::with_capacity(layers.len());
        for (i, (layer, diff_id)) in layers.iter().zip(&diff_ids).enumerate() {
            blobs.verify_layer(layer, diff_id, i)?;
            layer_paths.push(blob_path(layer)?);
        }
        planned.push((
            id,
            PlannedImage {
                config_bytes,
                diff_ids,
                layer_paths,
                references: reference.into_iter().collect(),
                parent: None,
            },
        ));
    }
    Ok(planned.into_iter().map(|(_, plan)| plan).collect())
}

/// The name an index entry gives its image, with `latest` when it has no tag.
fn reference_of(entry: &Descriptor) -> Result<Option<Reference>> {
    if let Some(name) = entry.annotation(ANNOTATION_IMAGE_NAME) {
        let reference = Reference::parse(name).map_err(|e| {
            ImageError::InvalidArgument(format!("invalid image name {name:?} in {INDEX_FILE}: {e}"))
        })?;
        return Ok(Some(reference.with_default_tag()));
    }
    // A ref name is usually just a tag; only a name with a repository part is a reference.
    Ok(entry
        .annotation(ANNOTATION_REF_NAME)
        .filter(|name| name.contains('/') || name.contains(':'))
        .and_then(|name| Reference::parse(name).ok())
        .map(|r| r.with_default_tag()))
}

fn blob_path(descriptor: &Descriptor) -> Result<String> {
    Ok(format!("{BLOBS_DIR}/{}", descriptor.hex()?))
}

fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ImageError::InvalidArgument(format!("invalid archive: {what}: {e}")))
}

/// Blob access that checks every blob against its descriptor once.
struct Blobs<'a> {
    archive: &'a ArchiveDir,
    /// `(digest, size)` pairs already checked.
    verified: HashSet<(String, u64)>,
    /// `(blob digest, diff id)` pairs of compressed layers already decompressed and checked.
    uncompressed: HashSet<(String, String)>,
}

impl Blobs<'_> {
    fn open(&self, descriptor: &Descriptor) -> Result<File> {
        let path = blob_path(descriptor)?;
        self.archive.open_optional(&path)?.ok_or_else(|| {
            ImageError::InvalidArgument(format!(
                "invalid archive: blob {} is missing",
                descriptor.digest
            ))
        })
    }

    /// Checks that a blob hashes to its descriptor's digest and has its size.
    fn verify(&mut self, descriptor: &Descriptor) -> Result<()> {
        let key = (descriptor.digest.clone(), descriptor.size);
        if self.verified.contains(&key) {
            return Ok(());
        }
        let mut file = self.open(descriptor)?;
        let mut hasher = HashingWriter::new();
        let len = io::copy(&mut file, &mut hasher).map_err(|e| read_err(descriptor, e))?;
        check(descriptor, &hasher.digest(), len)?;
        self.verified.insert(key);
        Ok(())
    }

    /// A small (JSON) blob's checked bytes.
    fn read(&mut self, descriptor: &Descriptor) -> Result<Vec<u8>> {
        if descriptor.size > JSON_LIMIT {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: blob {} is larger than {JSON_LIMIT} bytes",
                descriptor.digest
            )));
        }
        let bytes = read_limited(self.open(descriptor)?, &descriptor.digest)?;
        check(descriptor, &sha256_digest(&bytes), bytes.len() as u64)?;
        self.verified
            .insert((descriptor.digest.clone(), descriptor.size));
        Ok(bytes)
    }

    /// Checks a layer blob, and that its uncompressed stream is the diff id (a plain tar's digest
    /// is its diff id; a compressed one is decompressed and hashed).
    fn verify_layer(&mut self, descriptor: &Descriptor, diff_id: &str, i: usize) -> Result<()> {
        self.verify(descriptor)?;
        let key = (descriptor.digest.clone(), diff_id.to_string());
        if descriptor.digest == diff_id || self.uncompressed.contains(&key) {
            return Ok(());
        }
        let file = BufReader::new(self.open(descriptor)?);
        let (got, _) = HashingReader::new(decompressed(file)?)
            .finish()
            .map_err(|e| read_err(descriptor, e))?;
        if got != diff_id {
            return Err(ImageError::InvalidArgument(format!(
                "invalid diffID for layer {i}: expected {diff_id:?}, got {got:?}"
            )));
        }
        self.uncompressed.insert(key);
        Ok(())
    }

    /// Follows a descriptor to a single-platform manifest: its config and layer descriptors.
    fn resolve_manifest(
        &mut self,
        descriptor: &Descriptor,
        depth: usize,
    ) -> Result<(Descriptor, Vec<Descriptor>)> {
        if depth > MAX_INDEX_DEPTH {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: indexes nested deeper than {MAX_INDEX_DEPTH}"
            )));
        }
        let bytes = self.read(descriptor)?;
        let doc: Document = parse_json(&bytes, &descriptor.digest)?;
        let media_type = if descriptor.media_type.is_empty() {
            doc.media_type.as_str()
        } else {
            descriptor.media_type.as_str()
        };
        let is_index =
            is_index_media_type(media_type) || (media_type.is_empty() && doc.manifests.is_some());
        if is_index {
            let entries = doc.manifests.unwrap_or_default();
            let chosen = entries
                .iter()
                .find(|e| e.platform.as_ref().is_some_and(|p| p.is_host()))
                .or_else(|| match entries.as_slice() {
                    [only] if only.platform.is_none() => Some(only),
                    _ => None,
                })
                .ok_or_else(|| {
                    ImageError::NotFound(format!(
                        "no manifest for linux/amd64 in index {}",
                        descriptor.digest
                    ))
                })?;
            return self.resolve_manifest(chosen, depth + 1);
        }
        if !media_type.is_empty() && !is_manifest_media_type(media_type) {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: unsupported manifest media type {media_type:?}"
            )));
        }
        if doc.schema_version != 2 {
            return Err(ImageError::InvalidArgument(format!(
                "invalid archive: manifest {} has schemaVersion {}",
                descriptor.digest, doc.schema_version
            )));
        }
        let config = doc.config.ok_or_else(|| {
            ImageError::InvalidArgument(format!(
                "invalid archive: manifest {} has no config",
                descriptor.digest
            ))
        })?;
        Ok((config, doc.layers.unwrap_or_default()))
    }
}

fn check(descriptor: &Descriptor, digest: &str, len: u64) -> Result<()> {
    if len != descriptor.size {
        return Err(ImageError::InvalidArgument(format!(
            "invalid archive: blob {} has {len} bytes, its descriptor says {}",
            descriptor.digest, descriptor.size
        )));
    }
    if digest != descriptor.digest {
        return Err(ImageError::InvalidArgument(format!(
            "invalid archive: blob {} does not match its digest (got {digest})",
            descriptor.digest
        )));
    }
    Ok(())
}

fn read_err(descriptor: &Descriptor, e: io::Error) -> ImageError {
    ImageError::InvalidArgument(format!("read blob {} in archive: {e}", descriptor.digest))
}
