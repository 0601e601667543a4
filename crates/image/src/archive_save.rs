//! `docker save`: the combined layout dockerd ≥ 25 writes, readable by old and new tools alike.
//!
//! ```text
//! blobs/                       mtime: created time of the last image saved
//! blobs/sha256/                mtime 0
//! blobs/sha256/<hex>           configs and layer tars (mtime: the image's created time),
//!                              OCI manifests (mtime 0), in hex order
//! index.json                   OCI index: one manifest descriptor per tag (+ containerd name)
//! manifest.json                legacy: Config/Layers point into blobs/, RepoTags, Parent
//! oci-layout                   {"imageLayoutVersion": "1.0.0"}
//! repositories                 legacy: familiar name → tag → top layer's diff id hex
//! ```
//!
//! Members come in the order dockerd's directory walk gives them. Layer blobs are named by diff
//! id, hold the exact original tar (reproduced from the tar-split recording) and are written once
//! however many images share them; their size comes from the recording, so they stream straight
//! into the archive without a temporary copy.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::Serialize;

use crate::archive::ManifestEntry;
use crate::archive_tar::TarWriter;
use crate::config::ImageConfig;
use crate::digest::{sha256_digest, ImageId};
use crate::error::{ImageError, Result};
use crate::oci_layout::{
    blob_hex, Descriptor, IndexOut, ManifestOut, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME,
    BLOBS_DIR, INDEX_FILE, MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_LAYER,
    MEDIA_TYPE_OCI_MANIFEST, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE,
};
use crate::reference::{is_full_hex_id, Reference};
use crate::store::{resolve_locked, ImageStore, State};
use crate::tar_split::{reproduced_len, SPLIT_FILE};

/// What goes into a blob file.
enum BlobContent {
    Bytes(Vec<u8>),
    /// A layer's reproduced tar: its chain id and length.
    Layer {
        chain_id: String,
        size: u64,
    },
}

struct Blob {
    content: BlobContent,
    mtime: u64,
}

impl ImageStore {
    /// Writes a `docker save` archive of the named images (references or ids). A tag puts that tag
    /// in the archive; a repository name without a tag puts all of its tags; an id puts none.
    pub fn save(&self, names: &[String], out: impl Write) -> Result<()> {
        let wanted = {
            let state = self.lock();
            wanted_images(&state, names)?
        };
        let saved_ids: BTreeSet<&ImageId> = wanted.iter().map(|(id, _)| id).collect();

        let mut blobs: BTreeMap<String, Blob> = BTreeMap::new();
        let mut index = Vec::new();
        let mut manifest = Vec::new();
        let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut blobs_dir_mtime = 0;
        for (id, refs) in &wanted {
            let image = self.resolve(id.as_str())?;
            let config_bytes = self.config_bytes(id)?;
            let created = created_mtime(&image.config);
            blobs_dir_mtime = created;

            let mut layer_descriptors = Vec::new();
            let mut layer_paths = Vec::new();
            for (diff_id, chain_id) in image.config.rootfs.diff_ids.iter().zip(&image.chain_ids) {
                let hex = blob_hex(diff_id)?.to_string();
                let size = match blobs.get(&hex) {
                    Some(Blob {
                        content: BlobContent::Layer { size, .. },
                        ..
                    }) => *size,
                    _ => {
                        let size = self.layer_tar_len(chain_id)?;
                        let content = BlobContent::Layer {
                            chain_id: chain_id.clone(),
                            size,
                        };
                        blobs.insert(
                            hex.clone(),
                            Blob {
                                content,
                                mtime: created,
                            },
                        );
                        size
                    }
                };
                layer_descriptors.push(Descriptor {
                    media_type: MEDIA_TYPE_OCI_LAYER.to_string(),
                    digest: diff_id.clone(),
                    size,
                    annotations: None,
                    platform: None,
                });
                layer_paths.push(format!("{BLOBS_DIR}/{hex}"));
            }

            let oci_manifest = to_json(&ManifestOut {
                schema_version: 2,
                media_type: MEDIA_TYPE_OCI_MANIFEST,
                config: Descriptor {
                    media_type: MEDIA_TYPE_OCI_CONFIG.to_string(),
                    digest: id.to_string(),
                    size: config_bytes.len() as u64,
                    annotations: None,
                    platform: None,
                },
                layers: layer_descriptors,
            })?;
            let manifest_digest = sha256_digest(&oci_manifest);
            let untagged = Descriptor {
                media_type: MEDIA_TYPE_OCI_MANIFEST.to_string(),
                digest: manifest_digest.clone(),
                size: oci_manifest.len() as u64,
                annotations: None,
                platform: None,
            };
            blobs.insert(
                blob_hex(&manifest_digest)?.to_string(),
                Blob {
                    content: BlobContent::Bytes(oci_manifest),
                    mtime: 0,
                },
            );
            blobs.insert(
                id.hex().to_string(),
                Blob {
                    content: BlobContent::Bytes(config_bytes),
                    mtime: created,
                },
            );

            if refs.is_empty() {
                index.push(untagged.clone());
            }
            for r in refs {
                let Some(tag) = r.tag() else { continue };
                index.push(Descriptor {
                    annotations: Some(BTreeMap::from([
                        (ANNOTATION_IMAGE_NAME.to_string(), r.to_string()),
                        (ANNOTATION_REF_NAME.to_string(), tag.to_string()),
                    ])),
                    ..untagged.clone()
                });
                if let Some(top) = image.config.rootfs.diff_ids.last() {
                    repositories
                        .entry(r.familiar_name())
                        .or_default()
                        .insert(tag.to_string(), blob_hex(top)?.to_string());
                }
            }
            manifest.push(ManifestEntry {
                config: format!("{BLOBS_DIR}/{}", id.hex()),
                repo_tags: (!refs.is_empty())
                    .then(|| refs.iter().map(Reference::familiar).collect()),
                layers: layer_paths,
                parent: image
                    .parent
                    .clone()
                    .filter(|p| saved_ids.contains(p))
                    .map(String::from),
            });
        }

        let mut tar = TarWriter::new(out);
        tar.dir("blobs/", blobs_dir_mtime)?;
        tar.dir(&format!("{BLOBS_DIR}/"), 0)?;
        for (hex, blob) in &blobs {
            let name = format!("{BLOBS_DIR}/{hex}");
            match &blob.content {
                BlobContent::Bytes(bytes) => tar.file(&name, bytes, blob.mtime)?,
                BlobContent::Layer { chain_id, size } => {
                    tar.file_with(&name, *size, blob.mtime, |w| self.layer_tar(chain_id, w))?
                }
            }
        }
        let index = to_json(&IndexOut {
            schema_version: 2,
            media_type: MEDIA_TYPE_OCI_INDEX,
            manifests: index,
        })?;
        tar.file(INDEX_FILE, &index, 0)?;
        // Go's json.Encoder ends what it writes with a newline; json.Marshal does not.
        tar.file("manifest.json", &to_json_line(&manifest)?, 0)?;
        tar.file(OCI_LAYOUT_FILE, OCI_LAYOUT_CONTENT.as_bytes(), 0)?;
        if !repositories.is_empty() {
            tar.file("repositories", &to_json_line(&repositories)?, 0)?;
        }
        tar.finish()?;
        Ok(())
    }

    /// The images `save` would write for `names`, each with the tags it would carry; unknown
    /// names fail here as they would in `save`, so a caller can answer before streaming anything.
    pub fn save_selection(&self, names: &[String]) -> Result<Vec<(ImageId, Vec<String>)>> {
        let state = self.lock();
        Ok(wanted_images(&state, names)?
            .into_iter()
            .map(|(id, refs)| (id, refs.iter().map(Reference::familiar).collect()))
            .collect())
    }

    /// The length of a layer's original tar, known without reading its files.
    fn layer_tar_len(&self, chain_id: &str) -> Result<u64> {
        let dir = self.layers.layer_dir(chain_id)?;
        if !dir.join(SPLIT_FILE).exists() {
            return Err(ImageError::NotImplemented(format!(
                "layer {chain_id} cannot be exported: its original tar stream was not kept"
            )));
        }
        reproduced_len(&dir)
    }
}

/// The images `names` ask for, in the order first named, each with the tags that go with it.
/// As dockerd: `name:tag` → that tag; a bare repository name → every tag of it (or, when it has
/// none, an id prefix); an id or a digest reference → no tag.
fn wanted_images(state: &State, names: &[String]) -> Result<Vec<(ImageId, Vec<Reference>)>> {
    let mut wanted: Vec<(ImageId, Vec<Reference>)> = Vec::new();
    let mut add = |id: ImageId, tag: Option<Reference>| {
        let index = match wanted.iter().position(|(w, _)| *w == id) {
            Some(i) => i,
            None => {
                wanted.push((id, Vec::new()));
                wanted.len() - 1
            }
        };
        if let Some(tag) = tag {
            let tags = &mut wanted[index].1;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    };
    for name in names {
        let by_id = is_full_hex_id(name) || name.starts_with("sha256:");
        if by_id {
            add(resolve_locked(state, name)?, None);
            continue;
        }
        let reference = Reference::parse(name)?;
        if reference.digest().is_some() {
            add(resolve_locked(state, name)?, None);
        } else if reference.tag().is_some() {
            add(resolve_locked(state, name)?, Some(reference));
        } else {
            let tagged: Vec<(ImageId, Reference)> = state
                .repositories
                .iter()
                .filter_map(|(key, id)| {
                    let r = Reference::parse(key).ok()?;
                    (r.tag().is_some() && r.digest().is_none() && r.name() == reference.name())
                        .then(|| (id.clone(), r))
                })
                .collect();
            if tagged.is_empty() {
                // No tag of that repository: dockerd then searches image ids.
                add(resolve_locked(state, name)?, None);
            }
            for (id, r) in tagged {
                add(id, Some(r));
            }
        }
    }
    Ok(wanted)
}

/// An image's created time as a tar mtime (0 when absent or before 1970).
fn created_mtime(config: &ImageConfig) -> u64 {
    u64::try_from(config.created_unix()).unwrap_or(0)
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| ImageError::Corrupt(e.to_string()))
}

fn to_json_line<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = to_json(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
