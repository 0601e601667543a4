//! `POST /containers/{id}/update`: new resource limits and restart policy. A running container's
//! cgroup gets them at once; HostConfig and the bundle's `config.json` keep them for later starts.

use std::path::PathBuf;

use api::RestartPolicy;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::paths::ContainerFiles;

/// The subset of dockerd's `UpdateConfig` berth applies (absent/zero fields are left alone).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateConfig {
    pub memory: i64,
    pub memory_swap: i64,
    pub memory_reservation: i64,
    pub nano_cpus: i64,
    pub cpu_shares: i64,
    pub cpu_quota: i64,
    pub cpu_period: i64,
    pub pids_limit: Option<i64>,
    pub restart_policy: Option<RestartPolicy>,
}

/// `{"Warnings":[]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateResponse {
    #[serde(rename = "Warnings")]
    pub warnings: Vec<String>,
}

impl Engine {
    pub async fn update_container(&self, name: &str, u: UpdateConfig) -> Result<UpdateResponse> {
        let h = self.inner.registry.resolve(name)?;
        let mut entry = h.entry.lock().await;
        if u.nano_cpus != 0 && (u.cpu_quota != 0 || u.cpu_period != 0) {
            return Err(EngineError::InvalidArgument(
                "Conflicting options: Nano CPUs cannot be updated as CPU Period/Quota has already been set".into(),
            ));
        }
        let mut hc = entry.record.host_config.clone();
        if u.memory != 0 {
            if u.memory < 6 * 1024 * 1024 {
                return Err(EngineError::InvalidArgument(
                    "Minimum memory limit allowed is 6MB".into(),
                ));
            }
            hc.memory = u.memory;
        }
        if u.memory_swap != 0 {
            hc.memory_swap = u.memory_swap;
        }
        if hc.memory > 0 && hc.memory_swap > 0 && hc.memory_swap < hc.memory {
            return Err(EngineError::InvalidArgument(
                "Minimum memoryswap limit should be larger than memory limit, see usage".into(),
            ));
        }
        if u.memory_reservation != 0 {
            hc.memory_reservation = u.memory_reservation;
        }
        if u.nano_cpus != 0 {
            hc.nano_cpus = u.nano_cpus;
            hc.cpu_quota = 0;
            hc.cpu_period = 0;
        }
        if u.cpu_shares != 0 {
            hc.cpu_shares = u.cpu_shares;
        }
        if u.cpu_quota != 0 {
            hc.cpu_quota = u.cpu_quota;
            hc.nano_cpus = 0;
        }
        if u.cpu_period != 0 {
            hc.cpu_period = u.cpu_period;
            hc.nano_cpus = 0;
        }
        if let Some(p) = u.pids_limit.filter(|p| *p != 0) {
            hc.pids_limit = Some(p);
        }
        if let Some(rp) = u.restart_policy.clone().filter(|rp| !rp.name.is_empty()) {
            crate::restart_policy::validate(&rp)?;
            if hc.auto_remove && rp.name != "no" {
                return Err(EngineError::InvalidArgument(
                    "Restart policy cannot be updated because AutoRemove is enabled for the container".into(),
                ));
            }
            hc.restart_policy = rp;
        }
        let resources = cgroups::Resources {
            memory_limit: (u.memory > 0).then_some(hc.memory),
            memory_swap: (u.memory > 0 || u.memory_swap != 0)
                .then_some(if hc.memory_swap != 0 {
                    hc.memory_swap
                } else {
                    hc.memory
                })
                .filter(|_| hc.memory > 0),
            cpu_quota: if hc.nano_cpus > 0 && u.nano_cpus != 0 {
                Some(hc.nano_cpus * 100_000 / 1_000_000_000)
            } else {
                (u.cpu_quota != 0).then_some(hc.cpu_quota)
            },
            cpu_period: if hc.nano_cpus > 0 && u.nano_cpus != 0 {
                Some(100_000)
            } else {
                (u.cpu_period > 0).then_some(hc.cpu_period as u64)
            },
            cpu_shares: (u.cpu_shares > 0).then_some(hc.cpu_shares as u64),
            pids_limit: u.pids_limit.filter(|p| *p != 0),
            devices: Vec::new(),
        };
        if entry.record.state.running {
            let path = PathBuf::from(&entry.record.cgroups_path);
            tokio::task::spawn_blocking(move || {
                cgroups::open(&path).and_then(|m| m.apply(&resources))
            })
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))?
            .map_err(|e| EngineError::Internal(format!("Cannot update container {}: {e}", h.id)))?;
        }
        entry.record.host_config = hc;
        let dir = self.paths().container_dir(&h.id);
        rewrite_spec_resources(&ContainerFiles(&dir).spec(), &entry.record.host_config)?;
        self.persist(&entry)?;
        self.emit("update", &entry.record);
        Ok(UpdateResponse::default())
    }
}

/// Replaces `linux.resources` limits in the bundle's `config.json` (devices kept) so that the
/// next start gets them.
fn rewrite_spec_resources(path: &std::path::Path, hc: &api::HostConfig) -> Result<()> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(());
    };
    let mut spec: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::Internal(format!("parse {}: {e}", path.display())))?;
    let mut fresh = crate::spec::resources(hc);
    if let Some(devices) = spec.pointer("/linux/resources/devices").cloned() {
        fresh["devices"] = devices;
    }
    if let Some(linux) = spec.get_mut("linux").and_then(|l| l.as_object_mut()) {
        linux.insert("resources".into(), fresh);
    }
    let out = serde_json::to_vec_pretty(&spec).map_err(|e| EngineError::Internal(e.to_string()))?;
    crate::atomic::write_renamed(path, &out)
        .map_err(|e| EngineError::io(format!("write {}", path.display()), e))?;
    crate::atomic::sync_durably(&[path])
        .map_err(|e| EngineError::io(format!("sync {}", path.display()), e))
}
