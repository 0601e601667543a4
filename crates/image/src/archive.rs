//! `docker save` / `docker load` in the legacy layout dockerd writes and reads:
//! `manifest.json`, `<config-hex>.json`, `<layer>/layer.tar` (+ `VERSION`, `json`), `repositories`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

use rustix::fs::OFlags;
use serde::{Deserialize, Serialize};

use crate::apply::{apply_layer_with, WhiteoutMode};
use crate::atomic::unique_suffix;
use crate::compression::decompressed;
use crate::config::ImageConfig;
use crate::digest::{chain_id, digest_hex, ImageId};
use crate::error::{ImageError, Result};
use crate::reference::Reference;
use crate::rooted::{clean_path, Root};
use crate::store::{resolve_locked, ImageStore};

/// One `manifest.json` entry.
#[derive(Debug, Serialize, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// An image `load` brought in, for the `Loaded image: …` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedImage {
    pub id: ImageId,
    /// Familiar tags from the archive (`busybox:latest`); empty means print `Loaded image ID: <id>`.
    pub tags: Vec<String>,
}

impl ImageStore {
    /// Loads a `docker save` archive (plain or gzip). The archive is unpacked into a private
    /// directory first (its members may come in any order); every path it names is resolved inside
    /// that directory, and every layer must hash to the diff id its config declares.
    pub fn load(&self, reader: impl Read) -> Result<Vec<LoadedImage>> {
        let spool = self
            .data_root()
            .join("layers")
            .join(format!("tmp-load-{}", unique_suffix()));
        let result = self.load_from_spool(&spool, reader);
        let _ = std::fs::remove_dir_all(&spool);
        result
    }

    fn load_from_spool(&self, spool: &Path, reader: impl Read) -> Result<Vec<LoadedImage>> {
        apply_layer_with(spool, decompressed(reader)?, WhiteoutMode::Flatten)?;
        let root = Root::open(spool).map_err(|e| ImageError::io("open load spool", e))?;
        let open = |name: &str| -> Result<File> {
            let parts = clean_path(name.as_bytes())
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    ImageError::InvalidArgument(format!("invalid path in archive: {name:?}"))
                })?;
            let fd = root
                .open_at(&parts, OFlags::RDONLY)
                .map_err(|e| ImageError::InvalidArgument(format!("open {name} in archive: {e}")))?;
            Ok(File::from(fd))
        };
        let mut manifest_bytes = Vec::new();
        open("manifest.json")?
            .read_to_end(&mut manifest_bytes)
            .map_err(|e| ImageError::io("read manifest.json", e))?;
        let manifest: Vec<ManifestEntry> = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| ImageError::InvalidArgument(format!("invalid manifest.json: {e}")))?;

        let mut loaded = Vec::new();
        for entry in manifest {
            let mut config_bytes = Vec::new();
            open(&entry.config)?
                .read_to_end(&mut config_bytes)
                .map_err(|e| ImageError::io("read image config", e))?;
            let config = ImageConfig::from_bytes(&config_bytes)
                .map_err(|e| ImageError::InvalidArgument(format!("invalid image config: {e}")))?;
            let diff_ids = &config.rootfs.diff_ids;
            if diff_ids.len() != entry.layers.len() {
                return Err(ImageError::InvalidArgument(format!(
                    "invalid manifest, layers length mismatch: expected {}, got {}",
                    diff_ids.len(),
                    entry.layers.len()
                )));
            }
            let mut parent: Option<String> = None;
            for (i, (diff_id, layer_path)) in diff_ids.iter().zip(&entry.layers).enumerate() {
                let chain = chain_id(parent.as_deref(), diff_id);
                if !self.has_layer(&chain) {
                    let file = BufReader::new(open(layer_path)?);
                    self.add_layer(file, parent.as_deref(), diff_id)
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
            let references = entry
                .repo_tags
                .unwrap_or_default()
                .iter()
                .map(|t| Reference::parse(t).map(|r| r.with_default_tag()))
                .collect::<Result<Vec<_>>>()?;
            let id = self.add_image(&config_bytes, &references)?;
            let tags = references.iter().map(Reference::familiar).collect();
            loaded.push(LoadedImage { id, tags });
        }
        Ok(loaded)
    }

    /// Writes a `docker save` archive of the named images (references or ids). A reference puts
    /// that tag in the archive; an id puts none, as dockerd does.
    pub fn save(&self, names: &[String], out: impl Write) -> Result<()> {
        // image id → tags asked for, in the order first named.
        let mut wanted: Vec<(ImageId, Vec<Reference>)> = Vec::new();
        {
            let state = self.lock();
            for name in names {
                let id = resolve_locked(&state, name)?;
                let tag = if id.as_str().starts_with(name) || id.hex().starts_with(name) {
                    None
                } else {
                    Some(Reference::parse(name)?.with_default_tag())
                };
                match wanted.iter_mut().find(|(w, _)| *w == id) {
                    Some((_, tags)) => tags.extend(tag),
                    None => wanted.push((id, tag.into_iter().collect())),
                }
            }
        }
        let mut builder = tar::Builder::new(out);
        let mut written_layers = BTreeSet::new();
        let mut manifest = Vec::new();
        let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (id, tags) in &wanted {
            let image = self.resolve(id.as_str())?;
            let config_bytes = self.config_bytes(id)?;
            let config_name = format!("{}.json", id.hex());
            append_bytes(&mut builder, &config_name, &config_bytes)?;
            let mut layer_paths = Vec::new();
            let mut parent_hex: Option<String> = None;
            for chain in &image.chain_ids {
                let hex = digest_hex(chain)?.to_string();
                let layer_path = format!("{hex}/layer.tar");
                if written_layers.insert(hex.clone()) {
                    self.append_layer(&mut builder, chain, &hex, parent_hex.as_deref())?;
                }
                layer_paths.push(layer_path);
                parent_hex = Some(hex);
            }
            for tag in tags {
                if let (Some(top), Some(t)) = (&parent_hex, tag.tag()) {
                    repositories
                        .entry(tag.familiar_name())
                        .or_default()
                        .insert(t.to_string(), top.clone());
                }
            }
            manifest.push(ManifestEntry {
                config: config_name,
                repo_tags: (!tags.is_empty())
                    .then(|| tags.iter().map(Reference::familiar).collect()),
                layers: layer_paths,
            });
        }
        append_bytes(&mut builder, "manifest.json", &to_json(&manifest)?)?;
        if !repositories.is_empty() {
            append_bytes(&mut builder, "repositories", &to_json(&repositories)?)?;
        }
        builder
            .into_inner()
            .map_err(|e| ImageError::io("write archive", e))?
            .flush()
            .map_err(|e| ImageError::io("write archive", e))
    }

    fn append_layer<W: Write>(
        &self,
        builder: &mut tar::Builder<W>,
        chain: &str,
        hex: &str,
        parent_hex: Option<&str>,
    ) -> Result<()> {
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        builder
            .append_data(&mut dir, format!("{hex}/"), io::empty())
            .map_err(|e| ImageError::io("write archive", e))?;
        append_bytes(builder, &format!("{hex}/VERSION"), b"1.0")?;
        let mut v1 = serde_json::json!({ "id": hex });
        if let Some(parent) = parent_hex {
            v1["parent"] = parent.into();
        }
        append_bytes(builder, &format!("{hex}/json"), v1.to_string().as_bytes())?;
        // The tar header needs the size first: spool the reproduced layer to a temporary file.
        let spool_path = self
            .data_root()
            .join("layers")
            .join(format!("tmp-save-{}", unique_suffix()));
        let result = (|| {
            let file = File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&spool_path)
                .map_err(|e| ImageError::io("spool layer", e))?;
            let mut writer = BufWriter::new(file);
            let size = self.layer_tar(chain, &mut writer)?;
            let mut file = writer
                .into_inner()
                .map_err(|e| ImageError::io("spool layer", e.into_error()))?;
            file.rewind()
                .map_err(|e| ImageError::io("spool layer", e))?;
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(size);
            builder
                .append_data(
                    &mut header,
                    format!("{hex}/layer.tar"),
                    BufReader::new(file),
                )
                .map_err(|e| ImageError::io("write archive", e))
        })();
        let _ = std::fs::remove_file(&spool_path);
        result
    }
}

fn append_bytes<W: Write>(builder: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o644);
    header.set_size(bytes.len() as u64);
    builder
        .append_data(&mut header, name, bytes)
        .map_err(|e| ImageError::io("write archive", e))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| ImageError::Corrupt(e.to_string()))
}
