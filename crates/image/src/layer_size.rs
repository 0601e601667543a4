//! Per-layer sizes for `docker history` and prune's reclaimed space.

use crate::error::Result;
use crate::store::ImageStore;

impl ImageStore {
    /// The unpacked size in bytes of the layer `chain_id` (one of [`crate::Image::chain_ids`]).
    pub fn layer_size(&self, chain_id: &str) -> Result<u64> {
        Ok(self.layers.record(chain_id)?.size)
    }
}
