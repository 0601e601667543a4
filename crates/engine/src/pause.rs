//! `pause` / `unpause`: freeze and thaw the container's cgroup (v1 `freezer.state`, v2
//! `cgroup.freeze`).

use std::path::PathBuf;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::handle::Entry;

/// Freezes (`true`) or thaws the cgroup at `cgroups_path`, off the async threads.
pub(crate) async fn set_frozen(cgroups_path: &str, frozen: bool) -> Result<()> {
    let path = PathBuf::from(cgroups_path);
    tokio::task::spawn_blocking(move || {
        let mgr = cgroups::open(&path).map_err(|e| EngineError::Internal(e.to_string()))?;
        if frozen { mgr.freeze() } else { mgr.thaw() }
            .map_err(|e| EngineError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| EngineError::Internal(e.to_string()))?
}

impl Engine {
    pub async fn pause_container(&self, name: &str) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        let mut entry = h.entry.lock().await;
        if !entry.record.state.running {
            return Err(EngineError::Conflict(format!(
                "Container {} is not running",
                h.id
            )));
        }
        if entry.record.state.paused {
            return Err(EngineError::Conflict(format!(
                "Container {} is already paused",
                h.id
            )));
        }
        set_frozen(&entry.record.cgroups_path, true).await?;
        // dockerd stops probing a paused container (and reports it unhealthy meanwhile).
        Self::close_health_monitor(&mut entry);
        entry.record.state.paused = true;
        entry.record.state.status = "paused".into();
        self.persist(&entry)?;
        self.emit("pause", &entry.record);
        Ok(())
    }

    pub async fn unpause_container(&self, name: &str) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        let mut entry = h.entry.lock().await;
        if !entry.record.state.paused || !entry.record.state.running {
            return Err(EngineError::Internal(format!(
                "Container {} is not paused",
                h.id
            )));
        }
        self.thaw_entry(&mut entry).await?;
        self.open_health_monitor(&h, &mut entry);
        self.emit("unpause", &entry.record);
        Ok(())
    }

    /// Thaws a paused container (stop/kill signal first, then thaw, so the signal is
    /// delivered as soon as the processes run again).
    pub(crate) async fn thaw_entry(&self, entry: &mut Entry) -> Result<()> {
        set_frozen(&entry.record.cgroups_path, false).await?;
        entry.record.state.paused = false;
        if entry.record.state.running {
            entry.record.state.status = "running".into();
        }
        self.persist(entry)
    }

    /// After a stop/kill signal: thaws the container if it is paused (dockerd does the same).
    pub(crate) async fn thaw_if_paused(&self, name: &str) {
        let Ok(h) = self.inner.registry.resolve(name) else {
            return;
        };
        let mut entry = h.entry.lock().await;
        if entry.record.state.paused {
            if let Err(e) = self.thaw_entry(&mut entry).await {
                tracing::warn!("thaw {}: {e}", h.id);
            } else {
                self.emit("unpause", &entry.record);
            }
        }
    }
}
