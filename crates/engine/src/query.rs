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
        let mut out = self.inspect_record(record);
        self.apply_network_inspect(&mut out);
        Ok(out)
    }

    fn inspect_record(&self, r: ContainerRecord) -> ContainerInspect {
        let mounts = self.mount_points(&r);
        let dir = self.paths().container_dir(&r.id);
        let files = ContainerFiles(&dir);
        let exec_ids = self.exec_ids(&r.id);
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
            // dockerd's restarting container counts as running (`Running` and `Restarting`).
            state: api::ContainerState {
                running: r.state.running || r.state.restarting,
                ..r.state
            },
            image: r.image,
            name: r.name,
            restart_count: r.restart_count,
            driver: "overlay2".into(),
            platform: "linux".into(),
            mount_label: String::new(),
            process_label: String::new(),
            app_armor_profile: String::new(),
            exec_ids,
            host_config,
            graph_driver: GraphDriverData {
                data: Some(graph_data),
                name: "overlay2".into(),
            },
            size_rw: None,
            size_root_fs: None,
            mounts,
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
        if let Some(bad) = opts
            .filters
            .get("health")
            .into_iter()
            .find(|v| !["starting", "healthy", "unhealthy", "none"].contains(v))
        {
            return Err(EngineError::InvalidArgument(format!(
                "Unrecognised filter value for health: {bad}"
            )));
        }
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
            .filter(|r| show_all || r.state.running || r.state.restarting)
            .filter(|r| {
                f.any_matches("health", |v| {
                    let status = match &r.state.health {
                        Some(h) => h.status.as_str(),
                        _ => "none",
                    };
                    v == status
                })
            })
            .filter(|r| f.any_matches("status", |v| v == r.state.status))
            .filter(|r| f.any_matches("network", |v| self.container_on_network(r, v)))
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
            .map(|r| (self.mount_points(&r), r))
            .filter(|(mounts, _)| {
                f.any_matches("volume", |v| {
                    mounts.iter().any(|m| {
                        m.source == v || m.destination == v || (!m.name.is_empty() && m.name == v)
                    })
                })
            })
            .map(|(mounts, r)| {
                let record = r.clone();
                let mut s = summary(r, now);
                self.apply_network_summary(&mut s, &record);
                s.mounts = mounts;
                s
            })
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
        let conn = shim_client::attach(&socket, opts.stdin, opts.stdout, opts.stderr).await?;
        self.emit("attach", &entry.record);
        Ok(conn)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use api::{ContainerState, Filters, WaitCondition};

    use crate::engine::{Engine, EngineConfig};
    use crate::handle::ContainerHandle;
    use crate::options::ListOptions;
    use crate::record::ContainerRecord;

    async fn engine(dir: &std::path::Path) -> Engine {
        Engine::open(EngineConfig {
            data_root: dir.join("root"),
            exec_root: dir.join("run"),
            cgroup_parent: "berth-unit".into(),
            shim_path: "/nonexistent/berth-shim".into(),
            registry: Default::default(),
            log: Default::default(),
            network: Default::default(),
        })
        .await
        .unwrap()
    }

    fn record(id: &str, name: &str, status: &str, labels: &[(&str, &str)]) -> ContainerRecord {
        ContainerRecord {
            id: id.into(),
            name: format!("/{name}"),
            created: crate::human::now_rfc3339(),
            image: "sha256:abcdef".into(),
            image_name: "busybox".into(),
            path: "sh".into(),
            args: vec!["-c".into(), "true".into()],
            config: api::Config {
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
            host_config: api::HostConfig {
                network_mode: "default".into(),
                ..Default::default()
            },
            state: ContainerState {
                status: status.into(),
                running: status == "running",
                ..Default::default()
            },
            restart_count: 0,
            cgroups_path: String::new(),
            mounts: Vec::new(),
            has_been_manually_stopped: false,
        }
    }

    fn add(e: &Engine, r: ContainerRecord) -> Arc<ContainerHandle> {
        let h = Arc::new(ContainerHandle::new(r.clone(), false));
        e.inner.registry.reserve_name(r.bare_name(), &r.id).unwrap();
        e.inner.registry.insert(h.clone());
        h
    }

    #[tokio::test]
    async fn wait_conditions_wake_on_status_changes() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path()).await;
        let h = add(&e, record(&"a".repeat(64), "runner", "running", &[]));
        let not_running = e
            .wait_container("runner", WaitCondition::NotRunning)
            .await
            .unwrap();
        let removed = e
            .wait_container("runner", WaitCondition::Removed)
            .await
            .unwrap();
        let not_running = tokio::spawn(not_running);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!not_running.is_finished());
        h.set_exited(3);
        assert_eq!(not_running.await.unwrap().status_code, 3);
        // After an exit, next-exit waits for the following one.
        let next = tokio::spawn(
            e.wait_container("runner", WaitCondition::NextExit)
                .await
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!next.is_finished());
        h.set_running(0);
        h.set_exited(137);
        assert_eq!(next.await.unwrap().status_code, 137);
        h.set_removed();
        let r = tokio::time::timeout(Duration::from_secs(5), removed)
            .await
            .unwrap();
        assert_eq!(r.status_code, 137);
        assert!(e
            .wait_container("nosuch", WaitCondition::NotRunning)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn list_filters_and_default_running_only() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path()).await;
        add(
            &e,
            record(&"b".repeat(64), "web", "running", &[("app", "demo")]),
        );
        add(
            &e,
            record(&"c".repeat(64), "old", "exited", &[("app", "other")]),
        );
        let names = |v: Vec<api::ContainerSummary>| {
            v.into_iter()
                .map(|s| s.names[0].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(e.list_containers(ListOptions::default()).await.unwrap()),
            vec!["/web"]
        );
        let all = ListOptions {
            all: true,
            ..Default::default()
        };
        assert_eq!(e.list_containers(all).await.unwrap().len(), 2);
        let by_status = ListOptions {
            filters: Filters::parse(r#"{"status":{"exited":true}}"#).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            names(e.list_containers(by_status).await.unwrap()),
            vec!["/old"]
        );
        let by_label = ListOptions {
            all: true,
            filters: Filters::parse(r#"{"label":{"app=demo":true}}"#).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            names(e.list_containers(by_label).await.unwrap()),
            vec!["/web"]
        );
        let by_name = ListOptions {
            all: true,
            filters: Filters::parse(r#"{"name":{"ol":true}}"#).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            names(e.list_containers(by_name).await.unwrap()),
            vec!["/old"]
        );
        let by_ancestor = ListOptions {
            all: true,
            filters: Filters::parse(r#"{"ancestor":{"busybox:latest":true}}"#).unwrap(),
            ..Default::default()
        };
        assert_eq!(e.list_containers(by_ancestor).await.unwrap().len(), 2);
        let bad = ListOptions {
            filters: Filters::parse(r#"{"foo":{"x":true}}"#).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            e.list_containers(bad).await.unwrap_err().to_string(),
            "Invalid filter 'foo'"
        );
        let web = e
            .list_containers(ListOptions::default())
            .await
            .unwrap()
            .remove(0);
        assert_eq!(web.command, "sh -c true");
        assert_eq!(web.status, "Up Less than a second");
        // Added without `create`, the record is on no network's endpoint list although the
        // bridge network exists: as a container disconnected from it, it lists no network.
        assert!(web.network_settings.networks.is_empty());
    }

    #[tokio::test]
    async fn inspect_fills_docker_fields() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path()).await;
        let id = "d".repeat(64);
        add(&e, record(&id, "insp", "created", &[]));
        let i = e.inspect_container("insp").await.unwrap();
        assert_eq!(i.name, "/insp");
        assert_eq!(i.driver, "overlay2");
        assert_eq!(i.host_config.shm_size, 64 * 1024 * 1024);
        assert!(i.log_path.ends_with(&format!("{id}/{id}-json.log")));
        assert_eq!(i.state.finished_at, api::ZERO_TIME);
        let v = serde_json::to_value(&i).unwrap();
        for k in [
            "Id",
            "Created",
            "Path",
            "Args",
            "State",
            "Image",
            "ResolvConfPath",
            "HostnamePath",
            "HostsPath",
            "LogPath",
            "Name",
            "RestartCount",
            "Driver",
            "Platform",
            "MountLabel",
            "ProcessLabel",
            "AppArmorProfile",
            "ExecIDs",
            "HostConfig",
            "GraphDriver",
            "Mounts",
            "Config",
            "NetworkSettings",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
    }
}
