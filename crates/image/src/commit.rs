//! `docker commit`: a container's overlay upper dir becomes a layer on top of its image.

use std::collections::BTreeMap;
use std::path::Path;

use crate::changes::apply_changes;
use crate::config::{ContainerConfig, History, ImageConfig};
use crate::digest::ImageId;
use crate::error::{ImageError, Result};
use crate::reference::Reference;
use crate::store::{checked_tag, now_rfc3339, ImageStore};

/// What `docker commit` says about the new image.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// The runtime config of the new image before `changes`: the container's config (which already
    /// carries the parent image's defaults), as dockerd merges them.
    pub config: ContainerConfig,
    /// `--change` instructions applied on top of `config`.
    pub changes: Vec<String>,
    /// The container's own config, kept as `container_config` like dockerd does.
    pub container_config: ContainerConfig,
    pub comment: String,
    pub author: String,
    /// The history's `created_by`: the container's command line (`sh -c echo hi > /marker`).
    pub created_by: String,
    /// The full id of the committed container.
    pub container_id: String,
    pub tag: Option<Reference>,
}
impl ImageStore {
    /// Commits a container's writable layer as a new image on top of `parent` (`docker commit`).
    /// `upper_dir` is the container's overlay upper dir (overlay whiteouts are turned into `.wh.`
    /// entries); an empty upper dir adds no layer, only a history entry marked `empty_layer`.
    pub fn commit(
        &self,
        parent: &ImageId,
        upper_dir: &Path,
        options: CommitOptions,
    ) -> Result<ImageId> {
        let parent_entry = {
            let state = self.lock();
            state
                .images
                .get(parent)
                .cloned()
                .ok_or_else(|| ImageError::NotFound(parent.to_string()))?
        };
        let mut config = options.config;
        apply_changes(&mut config, &options.changes)?;
        let tag = options.tag.as_ref().map(checked_tag).transpose()?;

        let layer = self
            .layers
            .unpack_dir(upper_dir, parent_entry.chain_ids.last().map(String::as_str))?;
        let created = now_rfc3339();
        let mut rootfs = parent_entry.config.rootfs.clone();
        let empty_layer = layer.is_none();
        if let Some(layer) = &layer {
            rootfs.diff_ids.push(layer.record.diff_id.clone());
        }
        let mut history = parent_entry.config.history.clone();
        history.push(History {
            created: Some(created.clone()),
            created_by: options.created_by,
            author: options.author.clone(),
            comment: options.comment.clone(),
            empty_layer,
        });
        let mut extra = BTreeMap::new();
        if let Ok(value) = serde_json::to_value(&options.container_config) {
            extra.insert("container_config".to_string(), value);
        }
        let image_config = ImageConfig {
            architecture: parent_entry.config.architecture.clone(),
            os: parent_entry.config.os.clone(),
            variant: parent_entry.config.variant.clone(),
            created: Some(created),
            author: options.author,
            comment: options.comment,
            container: (!options.container_id.is_empty()).then_some(options.container_id),
            config,
            rootfs,
            history,
            extra,
            ..Default::default()
        };
        let bytes = image_config.to_bytes()?;

        let mut state = self.lock();
        if !state.images.contains_key(parent) {
            return Err(ImageError::NotFound(parent.to_string()));
        }
        if let Some(layer) = layer {
            self.layers.commit(layer)?;
        }
        let id = self.add_image_locked(&mut state, &bytes, Some(parent.clone()))?;
        if let Some(tag) = tag {
            state.repositories.insert(tag.to_string(), id.clone());
            self.save_repositories(&state)?;
        }
        Ok(id)
    }
}
