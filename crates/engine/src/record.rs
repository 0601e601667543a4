//! `container.json`: the engine's durable record of one container.

use std::path::Path;

use api::{Config, ContainerState, HostConfig};
use serde::{Deserialize, Serialize};

use crate::atomic::write_renamed;
use crate::error::{EngineError, Result};

/// Everything the engine knows about a container that must survive a daemon restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerRecord {
    pub id: String,
    /// With the leading `/`, as dockerd shows it.
    pub name: String,
    /// RFC 3339 with nanoseconds.
    pub created: String,
    /// Image id, `sha256:<hex>`.
    pub image: String,
    /// The image as the user named it (`busybox`), shown by `ps`.
    pub image_name: String,
    pub path: String,
    pub args: Vec<String>,
    pub config: Config,
    pub host_config: HostConfig,
    pub state: ContainerState,
    #[serde(default)]
    pub restart_count: i64,
    /// `/<cgroup-parent>/<id>`.
    #[serde(default)]
    pub cgroups_path: String,
    /// The container's mounts with their volumes resolved (anonymous ones named).
    #[serde(default)]
    pub mounts: Vec<storage::MountRequest>,
    /// `docker stop`/`kill` stopped it (`unless-stopped` then stays down); `start` clears it.
    #[serde(default)]
    pub has_been_manually_stopped: bool,
}

impl ContainerRecord {
    pub fn load(path: &Path) -> Result<ContainerRecord> {
        let bytes = std::fs::read(path)
            .map_err(|e| EngineError::io(format!("read {}", path.display()), e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| EngineError::Internal(format!("parse {}: {e}", path.display())))
    }

    fn encode(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self)
            .map_err(|e| EngineError::Internal(format!("encode container record: {e}")))
    }

    /// Writes the record atomically; the caller makes it durable with `atomic::sync_durably`.
    pub fn save_renamed(&self, path: &Path) -> Result<()> {
        write_renamed(path, &self.encode()?)
            .map_err(|e| EngineError::io(format!("write {}", path.display()), e))
    }

    /// The name without the leading `/`.
    pub fn bare_name(&self) -> &str {
        self.name.strip_prefix('/').unwrap_or(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let rec = ContainerRecord {
            id: "a".repeat(64),
            name: "/web".into(),
            created: "2026-11-22T10:00:00.000000000Z".into(),
            image: "sha256:00".into(),
            image_name: "busybox".into(),
            path: "echo".into(),
            args: vec!["hi".into()],
            config: Config::default(),
            host_config: HostConfig::default(),
            state: ContainerState::default(),
            restart_count: 0,
            cgroups_path: "/berth/a".into(),
            mounts: Vec::new(),
            has_been_manually_stopped: false,
        };
        let p = dir.path().join("container.json");
        rec.save_renamed(&p).unwrap();
        assert_eq!(ContainerRecord::load(&p).unwrap(), rec);
        assert_eq!(rec.bare_name(), "web");
    }
}
