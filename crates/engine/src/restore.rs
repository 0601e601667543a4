//! Startup: load every `containers/*/container.json` and reconcile it with its shim.

use std::sync::Arc;

use crate::engine::Engine;
use crate::handle::ContainerHandle;
use crate::lifecycle::StartBy;
use crate::paths::ContainerFiles;
use crate::record::ContainerRecord;
use crate::shim_client::{self, ExitInfo};

impl Engine {
    /// Layers nothing references are collected first (`cleanup.rs`). Running containers with a
    /// live shim get a monitor; those whose shim is gone get the exit
    /// from `exit.json`; created ones keep a live shim if there is one.
    pub(crate) async fn restore(&self) {
        self.collect_crash_leftovers().await;
        self.release_layers_on_container_removal();
        let dir = self.paths().containers_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("read {}: {e}", dir.display());
                return;
            }
        };
        for entry in entries.flatten() {
            let cdir = entry.path();
            let record = match ContainerRecord::load(&ContainerFiles(&cdir).record()) {
                Ok(r) => r,
                Err(e) => {
                    // A create interrupted by a crash leaves a directory without a record.
                    tracing::warn!("skipping {}: {e}", cdir.display());
                    continue;
                }
            };
            self.restore_one(record).await;
        }
    }

    async fn restore_one(&self, record: ContainerRecord) {
        let socket = self.paths().shim_socket(&record.id);
        let shim = shim_client::state(&socket).await.ok();
        let shim_status = shim.as_ref().and_then(|s| s.status.clone());
        let mut record = record;
        // The record is made durable after the start answer; the shim knows better.
        if !record.state.running && shim_status.as_deref() == Some("running") {
            record.state.status = "running".into();
            record.state.running = true;
            record.state.pid = shim.as_ref().and_then(|s| s.pid).unwrap_or(0);
            record.state.started_at = crate::human::now_rfc3339();
        }
        // The daemon died while a policy restart waited: the container is simply exited.
        if record.state.restarting && !record.state.running {
            record.state.restarting = false;
            record.state.status = "exited".into();
        }
        let was_running = record.state.running;
        let shim_ready = !was_running && shim_status.as_deref() == Some("created");
        if self
            .inner
            .registry
            .reserve_name(record.bare_name(), &record.id)
            .is_err()
        {
            tracing::warn!(
                "container {} has a duplicate name {}",
                record.id,
                record.name
            );
        }
        self.volumes().add_refs(
            &record.id,
            crate::container_mounts::volume_names(&record.mounts),
        );
        let handle = Arc::new(ContainerHandle::new(record.clone(), shim_ready));
        self.inner.registry.insert(handle.clone());
        if !was_running {
            if record.host_config.auto_remove && record.state.status == "exited" {
                let _ = self.remove_handle_and_volumes(&handle, true, true).await;
            } else if record.state.status == "exited"
                && crate::human::parse_time(&record.state.started_at).is_some()
                && crate::restart_policy::restart_on_daemon_start(
                    &record.host_config.restart_policy,
                    record.state.exit_code,
                    record.has_been_manually_stopped,
                )
            {
                // dockerd starts these again once restore is done (as a user's start).
                let engine = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = engine.start_handle(&handle, StartBy::User).await {
                        tracing::warn!("restart policy: start {} on daemon start: {e}", handle.id);
                    }
                });
            }
            return;
        }
        match shim_status.as_deref() {
            Some("running") => {
                // As dockerd's restore (initHealthMonitor): probing starts over.
                {
                    let mut entry = handle.entry.lock().await;
                    if !entry.record.state.paused {
                        self.init_health_monitor(&handle, &mut entry);
                    }
                }
                self.restore_network(&record).await;
                self.spawn_monitor(handle)
            }
            Some("stopped") => {
                let exit = shim.and_then(|s| s.exit).unwrap_or_default();
                self.record_exit(&handle, exit).await;
            }
            _ => {
                // No shim: whatever still runs in the container's cgroup is an orphan (the
                // shim was killed, not the init); a policy restart must not run beside it.
                kill_orphans(&record.cgroups_path).await;
                let dir = self.paths().container_dir(&record.id);
                let exit = shim_client::read_exit_file(&ContainerFiles(&dir).exit())
                    .unwrap_or_else(|| ExitInfo {
                        exit_code: 255,
                        error: Some("the container's shim is gone and left no exit status".into()),
                        ..Default::default()
                    });
                self.record_exit(&handle, exit).await;
            }
        }
    }
}

/// SIGKILLs the processes left in a container's cgroup and removes it.
async fn kill_orphans(cgroups_path: &str) {
    let path = cgroups_path.to_string();
    let _ = tokio::task::spawn_blocking(move || {
        if let Ok(mgr) = cgroups::open(std::path::Path::new(&path)) {
            if mgr.pids().map(|p| !p.is_empty()).unwrap_or(false) {
                let _ = mgr.kill_all(nix::sys::signal::Signal::SIGKILL);
                // A frozen task only dies once thawed.
                let _ = mgr.thaw();
                for _ in 0..100 {
                    if mgr.pids().map(|p| p.is_empty()).unwrap_or(true) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
        crate::cleanup::remove_cgroup(&path);
    })
    .await;
}
