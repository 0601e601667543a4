//! Adding images whose config and layers come from elsewhere (a registry pull, `docker load`):
//! layers first, bottom up, each checked against the diff id the config declares; then the config.

use std::io::Read;

use crate::config::ImageConfig;
use crate::digest::{chain_id, chain_ids, digest_hex, ImageId};
use crate::error::{ImageError, Result};
use crate::reference::Reference;
use crate::store::ImageStore;

impl ImageStore {
    /// Whether the layer `chain_id` (`sha256:…`) is already stored, so a pull can skip its blob.
    pub fn has_layer(&self, chain_id: &str) -> bool {
        self.layers
            .layer_dir(chain_id)
            .map(|d| d.exists())
            .unwrap_or(false)
    }

    /// Stores one layer from its blob (plain or gzip tar) on top of `parent` (a chain id, `None`
    /// for the bottom layer). The uncompressed stream must hash to `expected_diff_id`, else
    /// nothing is stored and the error is dockerd's `invalid diffID …`. Returns the chain id.
    pub fn add_layer(
        &self,
        reader: impl Read,
        parent: Option<&str>,
        expected_diff_id: &str,
    ) -> Result<String> {
        let chain = chain_id(parent, expected_diff_id);
        digest_hex(&chain).map_err(|_| {
            ImageError::InvalidArgument(format!("invalid diff id {expected_diff_id:?}"))
        })?;
        if self.has_layer(&chain) {
            return Ok(chain);
        }
        let layer = self.layers.unpack(reader, parent)?;
        if layer.record.diff_id != expected_diff_id {
            let got = layer.record.diff_id.clone();
            self.layers.discard(layer);
            return Err(ImageError::InvalidArgument(format!(
                "invalid diffID for layer: expected {expected_diff_id:?}, got {got:?}"
            )));
        }
        let _state = self.lock();
        self.layers.commit(layer)
    }

    /// Stores an image config (exact bytes: they define the id) whose layers were all added with
    /// [`ImageStore::add_layer`], and points `references` at it: tags (no tag → `latest`) and
    /// digest references (`name@sha256:<manifest digest>`, shown as RepoDigests).
    pub fn add_image(&self, config_bytes: &[u8], references: &[Reference]) -> Result<ImageId> {
        let config = ImageConfig::from_bytes(config_bytes)
            .map_err(|e| ImageError::InvalidArgument(format!("invalid image config: {e}")))?;
        for chain in chain_ids(&config.rootfs.diff_ids) {
            if !self.has_layer(&chain) {
                return Err(ImageError::InvalidArgument(format!(
                    "layer {chain} of the image is missing"
                )));
            }
        }
        let mut state = self.lock();
        // An image that is already here keeps the parent it was committed on.
        let parent = state
            .images
            .get(&ImageId::of_config(config_bytes))
            .and_then(|e| e.parent.clone());
        let id = self.add_image_locked(&mut state, config_bytes, parent)?;
        if !references.is_empty() {
            for reference in references {
                let key = if reference.digest().is_some() {
                    reference.clone()
                } else {
                    reference.with_default_tag()
                };
                state.repositories.insert(key.to_string(), id.clone());
            }
            self.save_repositories(&state)?;
        }
        Ok(id)
    }
}
