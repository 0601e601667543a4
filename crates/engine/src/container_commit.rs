//! `POST /commit`: a container's writable layer (its overlay upper dir) becomes a new image on
//! top of the container's image. The new image's config is the container's config (which already
//! carries the image's defaults) with the `--change` instructions applied, as dockerd merges them.
//! A running container is frozen (cgroup freezer) during the commit unless `pause=false`.

use image::{CommitOptions, ContainerConfig, ImageId, Reference};

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// The `POST /commit` query.
#[derive(Debug, Clone, Default)]
pub struct CommitRequest {
    pub container: String,
    pub repo: String,
    pub tag: String,
    pub comment: String,
    pub author: String,
    pub changes: Vec<String>,
    /// Freeze a running container while its layer is read (the API's default).
    pub pause: bool,
}

impl Engine {
    /// Returns the new image id (`sha256:…`).
    pub async fn commit_container(&self, request: CommitRequest) -> Result<String> {
        let handle = self.inner.registry.resolve(&request.container)?;
        // The lock is held through the commit, so nobody starts, stops or unpauses the
        // container while its upper dir is read.
        let entry = handle.entry.lock().await;
        let record = entry.record.clone();
        let freeze = request.pause && record.state.running && !record.state.paused;
        let parent = ImageId::parse(&record.image)?;
        let config: ContainerConfig = serde_json::to_value(&record.config)
            .and_then(serde_json::from_value)
            .map_err(|e| EngineError::Internal(format!("container config: {e}")))?;
        let tag = if request.repo.is_empty() {
            None
        } else {
            Some(Reference::from_repo_tag(&request.repo, &request.tag)?)
        };
        let created_by = record.config.cmd.clone().unwrap_or_default().join(" ");
        let options = CommitOptions {
            config: config.clone(),
            changes: request.changes,
            container_config: config,
            comment: request.comment,
            author: request.author,
            created_by,
            container_id: record.id.clone(),
            tag: tag.clone(),
        };
        let upper = self.paths().container_dir(&record.id).join("upper");
        if freeze {
            crate::pause::set_frozen(&record.cgroups_path, true).await?;
        }
        let committed = self
            .blocking(move |store| store.commit(&parent, &upper, options))
            .await;
        if freeze {
            crate::pause::set_frozen(&record.cgroups_path, false).await?;
        }
        drop(entry);
        let id = committed?;
        self.image_event("commit", id.as_str());
        if let Some(tag) = tag {
            self.image_event("tag", &tag.familiar());
        }
        Ok(id.as_str().to_string())
    }
}
