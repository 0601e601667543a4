//! inspect, list, wait and attach.

use std::collections::BTreeMap;

use api::{
    ContainerInspect, ContainerSummary, EndpointSettings, GraphDriverData, NetworkSettings,
    SummaryHostConfig, SummaryNetworkSettings, WaitCondition, WaitResponse,
};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio::net::UnixStream;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::human::{parse_time, status_text};
use crate::options::{AttachOptions, ListOptions};
use crate::paths::ContainerFiles;
use crate::record::ContainerRecord;
use crate::shim_client;

/// Keys `GET /containers/json` accepts in `filters`.
const LIST_FILTERS: &[&str] = &[
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "isolation",
    "is-task",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
];

/// Networks a container is shown on, by network mode.
fn network_name(mode: &str) -> String {
    match mode {
        "" | "default" => "bridge".into(),
        other => other.into(),
    }
}

impl Engine {
    pub async fn inspect_container(&self, name: &str) -> Result<ContainerInspect> {
        let h = self.inner.registry.resolve(name)?;
        let record = h.entry.lock().await.record.clone();
        Ok(self.inspect_record(record))
    }

    fn inspect_record(&self, r: ContainerRecord) -> ContainerInspect {
        let dir = self.paths().container_dir(&r.id);
        let files = ContainerFiles(&dir);
        let s = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
        let net = network_name(&r.host_config.network_mode);
        let mut networks = BTreeMap::new();
        networks.insert(net.clone(), EndpointSettings::default());
        let mut host_config = r.host_config.clone();
        if host_config.shm_size == 0 {
            host_config.shm_size = 64 * 1024 * 1024;
        }
        if host_config.runtime.is_empty() {
            host_config.runtime = "runc".into();
        }
        if host_config.ipc_mode.is_empty() {
            host_config.ipc_mode = "private".into();
        }
        if host_config.cgroupns_mode.is_empty() {
            host_config.cgroupns_mode = "host".into();
        }
        let graph_data: BTreeMap<String, String> = [
            ("MergedDir".to_string(), s(files.rootfs())),
            ("UpperDir".to_string(), s(dir.join("upper"))),
            ("WorkDir".to_string(), s(dir.join("work"))),
        ]
        .into();
        ContainerInspect {
            log_path: s(files.log(&r.id)),
            resolv_conf_path: s(files.resolv_conf()),
            hostname_path: s(files.hostname()),
            hosts_path: s(files.hosts()),
            id: r.id,
            created: r.created,
            path: r.path,
            args: r.args,
            state: r.state,
            image: r.image,
            name: r.name,
            restart_count: r.restart_count,
            driver: "overlay2".into(),
            platform: "linux".into(),
            mount_label: String::new(),
            process_label: String::new(),
            app_armor_profile: String::new(),
            exec_ids: None,
            host_config,
            graph_driver: GraphDriverData {
                data: Some(graph_data),
                name: "overlay2".into(),
            },
            size_rw: None,
            size_root_fs: None,
            mounts: Vec::new(),
            config: r.config,
            network_settings: NetworkSettings {
                ports: BTreeMap::new(),
                networks,
                ..Default::default()
            },
        }
    }

    pub async fn list_containers(&self, opts: ListOptions) -> Result<Vec<ContainerSummary>> {
        opts.filters
            .validate(LIST_FILTERS)
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let mut records = Vec::new();
        for h in self.inner.registry.all() {
            let entry = h.entry.lock().await;
            if entry.removing {
                continue;
            }
            records.push(entry.record.clone());
        }
        records.sort_by(|a, b| b.created.cmp(&a.created));
        let f = &opts.filters;
        let show_all =
            opts.all || opts.limit.is_some() || f.contains("status") || f.contains("exited");
        let now = chrono::Utc::now();
        let mut out: Vec<ContainerSummary> = records
            .into_iter()
            .filter(|r| show_all || r.state.running)
            .filter(|r| f.any_matches("status", |v| v == r.state.status))
            .filter(|r| f.any_matches("id", |v| r.id.starts_with(v)))
            .filter(|r| {
                f.any_matches("name", |v| {
                    r.bare_name().contains(v.trim_start_matches('/'))
                })
            })
            .filter(|r| {
                f.match_labels(
                    "label",
                    r.config.labels.as_ref().unwrap_or(&BTreeMap::new()),
                )
            })
            .filter(|r| {
                f.any_matches("exited", |v| {
                    !r.state.running
                        && r.state.status == "exited"
                        && v.parse::<i64>().ok() == Some(r.state.exit_code)
                })
            })
            .filter(|r| {
                f.any_matches("ancestor", |v| {
                    let bare = v.strip_prefix("sha256:").unwrap_or(v);
                    r.image_name == v
                        || r.image_name == format!("{v}:latest")
                        || format!("{}:latest", r.image_name) == v
                        || r.image == v
                        || (bare.len() >= 4
                            && r.image.trim_start_matches("sha256:").starts_with(bare))
                })
            })
            .map(|r| summary(r, now))
            .collect();
        if let Some(limit) = opts.limit {
            out.truncate(limit);
        }
        Ok(out)
    }

    /// Resolves now; the returned future completes when `condition` holds.
    pub async fn wait_container(
        &self,
        name: &str,
        condition: WaitCondition,
    ) -> Result<BoxFuture<'static, WaitResponse>> {
        let h = self.inner.registry.resolve(name)?;
        let mut rx = h.status.subscribe();
        let exits_now = rx.borrow().exits;
        Ok(async move {
            let result = match condition {
                WaitCondition::NotRunning => rx.wait_for(|s| !s.running).await.map(|s| s.exit_code),
                WaitCondition::NextExit => rx
                    .wait_for(|s| s.exits > exits_now || s.removed)
                    .await
                    .map(|s| s.exit_code),
                WaitCondition::Removed => rx.wait_for(|s| s.removed).await.map(|s| s.exit_code),
            };
            let code = match result {
                Ok(code) => code,
                // The container is gone: its last known status is final.
                Err(_) => rx.borrow().exit_code,
            };
            WaitResponse {
                error: None,
                status_code: code,
            }
        }
        .boxed())
    }

    /// Connects to the container's stdio, spawning a shim first for a stopped container (so
    /// `start -a` sees the output of the next run).
    pub async fn attach_container(&self, name: &str, opts: AttachOptions) -> Result<UnixStream> {
        let h = self.inner.registry.resolve(name)?;
        let mut entry = h.entry.lock().await;
        if entry.removing {
            return Err(EngineError::Conflict(format!(
                "removal of container {} is already in progress",
                h.id
            )));
        }
        if !entry.record.state.running && !entry.shim_ready {
            self.ensure_shim(&h, &mut entry).await?;
        }
        let socket = self.paths().shim_socket(&h.id);
        shim_client::attach(&socket, opts.stdin, opts.stdout, opts.stderr).await
    }
}

fn summary(r: ContainerRecord, now: chrono::DateTime<chrono::Utc>) -> ContainerSummary {
    let status = status_text(&r.state, now);
    let mut command = vec![r.path.clone()];
    command.extend(r.args.iter().cloned());
    let created = parse_time(&r.created).map(|t| t.timestamp()).unwrap_or(0);
    let mut networks = BTreeMap::new();
    networks.insert(
        network_name(&r.host_config.network_mode),
        EndpointSettings::default(),
    );
    ContainerSummary {
        id: r.id,
        names: vec![r.name],
        image: r.image_name,
        image_id: r.image,
        command: command.join(" "),
        created,
        ports: Vec::new(),
        size_rw: None,
        size_root_fs: None,
        labels: r.config.labels.unwrap_or_default(),
        state: r.state.status,
        status,
        host_config: SummaryHostConfig {
            network_mode: r.host_config.network_mode,
        },
        network_settings: SummaryNetworkSettings { networks },
        mounts: Vec::new(),
    }
}
