//! `GET /system/df`: images (with how many containers use each), containers with the size of
//! their writable layer, the total size of the image layers, volumes with their size and how
//! many containers use them; no build cache yet.
//!
//! `LayersSize` is what is on disk under `layers/` (committed layers, referenced or not, and
//! unpacks in progress), so it cannot claim space the image list does not show is free.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

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
            (sizes, layers_disk_size(&layers))
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        for (i, size) in sizes {
            if let Some(c) = containers.get_mut(i) {
                c.size_rw = Some(size as i64);
            }
        }
        let volumes = self.volumes_usage().await?;
        Ok(json!({
            "LayersSize": layers_size,
            "Images": images,
            "Containers": containers,
            "Volumes": volumes,
            "BuildCache": [],
        }))
    }
}

/// Bytes of every file under `dir` (regular files and symlinks, a hard-linked file once), as
/// dockerd sizes a layer's diff directory.
fn layers_disk_size(dir: &Path) -> u64 {
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(md) = entry.path().symlink_metadata() else {
                continue;
            };
            if md.is_dir() {
                stack.push(entry.path());
            } else if md.nlink() <= 1 || seen.insert((md.dev(), md.ino())) {
                total += md.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_files_count_once_per_inode() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(layers_disk_size(dir.path()), 0);
        let diff = dir.path().join("abc/diff/bin");
        std::fs::create_dir_all(&diff).unwrap();
        std::fs::write(diff.join("busybox"), vec![0u8; 1000]).unwrap();
        std::fs::hard_link(diff.join("busybox"), diff.join("sh")).unwrap();
        std::os::unix::fs::symlink("busybox", diff.join("ls")).unwrap();
        std::fs::write(dir.path().join("abc/layer.json"), b"{}").unwrap();
        assert_eq!(layers_disk_size(dir.path()), 1000 + 7 + 2);
    }
}
