//! `GET /system/df`: images (with how many containers use each), containers with the size of
//! their writable layer, the total size of the image layers; no volumes or build cache yet.

use serde_json::{json, Value};

use crate::container_prune::dir_size;
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::options::ListOptions;

impl Engine {
    pub async fn disk_usage(&self) -> Result<Value> {
        let mut images = self.list_images(false, api::Filters::new()).await?;
        let mut containers = self
            .list_containers(ListOptions {
                all: true,
                ..Default::default()
            })
            .await?;
        for img in &mut images {
            img.containers = containers.iter().filter(|c| c.image_id == img.id).count() as i64;
        }
        let dirs: Vec<(usize, std::path::PathBuf)> = containers
            .iter()
            .enumerate()
            .map(|(i, c)| (i, self.paths().container_dir(&c.id).join("upper")))
            .collect();
        let layers = self.config().data_root.join("layers");
        let (sizes, layers_size) = tokio::task::spawn_blocking(move || {
            let sizes: Vec<(usize, u64)> = dirs.iter().map(|(i, d)| (*i, dir_size(d))).collect();
            (sizes, dir_size(&layers))
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        for (i, size) in sizes {
            if let Some(c) = containers.get_mut(i) {
                c.size_rw = Some(size as i64);
            }
        }
        Ok(json!({
            "LayersSize": layers_size,
            "Images": images,
            "Containers": containers,
            "Volumes": [],
            "BuildCache": [],
        }))
    }
}
