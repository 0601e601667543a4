//! Images made by a Dockerfile build step: a directory tree (a RUN container's overlay upper dir,
//! or a COPY/ADD staging dir) becomes the top layer of a child of `parent` (or of `scratch`).

use std::path::Path;

use crate::config::ImageConfig;
use crate::digest::ImageId;
use crate::error::{ImageError, Result};
use crate::store::ImageStore;

impl ImageStore {
    /// Adds the image `config` as a child of `parent` (`None`: built from `scratch`). `config`
    /// carries everything but the new layer: its `rootfs` must be the parent's and its last
    /// `history` entry is the step's. `layer_dir` (overlay whiteouts become `.wh.` entries) is
    /// the new layer's tree; an empty or absent one adds no layer and marks that history entry
    /// `empty_layer`. The parent is recorded, as for `commit` (the build cache looks it up).
    pub fn add_build_step(
        &self,
        parent: Option<&ImageId>,
        layer_dir: Option<&Path>,
        mut config: ImageConfig,
    ) -> Result<ImageId> {
        let parent_chain = match parent {
            None => None,
            Some(id) => {
                let state = self.lock();
                let entry = state
                    .images
                    .get(id)
                    .ok_or_else(|| ImageError::NotFound(id.to_string()))?;
                if entry.config.rootfs.diff_ids != config.rootfs.diff_ids {
                    return Err(ImageError::InvalidArgument(format!(
                        "build step config does not carry the layers of its parent {id}"
                    )));
                }
                entry.chain_ids.last().cloned()
            }
        };
        if parent.is_none() && !config.rootfs.diff_ids.is_empty() {
            return Err(ImageError::InvalidArgument(
                "build step on scratch cannot carry layers".to_string(),
            ));
        }
        let layer = match layer_dir {
            Some(dir) => self.layers.unpack_dir(dir, parent_chain.as_deref())?,
            None => None,
        };
        if let Some(layer) = &layer {
            config.rootfs.diff_ids.push(layer.record.diff_id.clone());
        }
        if let Some(last) = config.history.last_mut() {
            last.empty_layer = layer.is_none();
        }
        let bytes = config.to_bytes()?;

        let mut state = self.lock();
        if let Some(parent) = parent {
            if !state.images.contains_key(parent) {
                return Err(ImageError::NotFound(parent.to_string()));
            }
        }
        if let Some(layer) = layer {
            self.layers.commit(layer)?;
        }
        self.add_image_locked(&mut state, &bytes, parent.cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::History;

    fn step(created_by: &str) -> History {
        History {
            created: Some("2026-11-22T10:00:00Z".into()),
            created_by: created_by.into(),
            ..Default::default()
        }
    }

    #[test]
    fn scratch_then_child_records_layers_parent_and_empty_steps() {
        let d = tempfile::tempdir().unwrap();
        let store = ImageStore::open(&d.path().join("root")).unwrap();
        let tree = d.path().join("tree");
        std::fs::create_dir_all(tree.join("etc")).unwrap();
        std::fs::write(tree.join("etc/hello"), "hi").unwrap();

        let mut config = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            history: vec![step("COPY")],
            ..Default::default()
        };
        let base = store
            .add_build_step(None, Some(&tree), config.clone())
            .unwrap();
        let base_image = store.resolve(base.as_str()).unwrap();
        assert_eq!(base_image.config.rootfs.diff_ids.len(), 1);
        assert!(!base_image.config.history[0].empty_layer);
        assert_eq!(base_image.parent, None);
        let dirs = store.layer_dirs(&base_image).unwrap();
        assert_eq!(
            std::fs::read_to_string(dirs[0].join("etc/hello")).unwrap(),
            "hi"
        );

        config.rootfs = base_image.config.rootfs.clone();
        config.history.push(step("CMD"));
        config.config.cmd = Some(vec!["sh".into()]);
        let child = store.add_build_step(Some(&base), None, config).unwrap();
        let child_image = store.resolve(child.as_str()).unwrap();
        assert_eq!(child_image.parent.as_ref(), Some(&base));
        assert_eq!(child_image.chain_ids, base_image.chain_ids);
        assert!(child_image.config.history[1].empty_layer);
    }

    #[test]
    fn refuses_a_config_without_the_parent_layers() {
        let d = tempfile::tempdir().unwrap();
        let store = ImageStore::open(&d.path().join("root")).unwrap();
        let tree = d.path().join("tree");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("f"), "x").unwrap();
        let base = store
            .add_build_step(None, Some(&tree), ImageConfig::default())
            .unwrap();
        let err = store
            .add_build_step(Some(&base), None, ImageConfig::default())
            .unwrap_err();
        assert!(matches!(err, ImageError::InvalidArgument(_)), "{err}");
    }
}
