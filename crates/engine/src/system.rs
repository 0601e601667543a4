//! `/version` and `/info`.

use api::{ComponentVersion, Info, Version, VersionPlatform};
use serde_json::json;

use crate::engine::Engine;
use crate::error::Result;

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Go's GOARCH name for the running architecture.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

fn os_release(key: &str) -> String {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    text.lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{key}="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_default()
}

fn mem_total() -> i64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn count_dir(path: &str) -> i64 {
    std::fs::read_dir(path)
        .map(|d| d.count() as i64)
        .unwrap_or(0)
}

impl Engine {
    pub async fn version(&self) -> Result<Version> {
        let kernel = read_trimmed("/proc/sys/kernel/osrelease");
        let details = [
            ("ApiVersion", api::API_VERSION),
            ("Arch", go_arch()),
            ("BuildTime", ""),
            ("Experimental", "false"),
            ("GitCommit", ""),
            ("GoVersion", "rust"),
            ("KernelVersion", kernel.as_str()),
            ("MinAPIVersion", api::MIN_API_VERSION),
            ("Os", "linux"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Ok(Version {
            platform: VersionPlatform {
                name: "berth".into(),
            },
            components: vec![ComponentVersion {
                name: "Engine".into(),
                version: api::version::ENGINE_VERSION.into(),
                details: Some(details),
            }],
            version: api::version::ENGINE_VERSION.into(),
            api_version: api::API_VERSION.into(),
            min_api_version: api::MIN_API_VERSION.into(),
            git_commit: String::new(),
            go_version: "rust".into(),
            os: "linux".into(),
            arch: go_arch().into(),
            kernel_version: kernel,
            experimental: false,
            build_time: String::new(),
        })
    }

    pub async fn info(&self) -> Result<Info> {
        let mut running = 0;
        let mut paused = 0;
        let all = self.inner.registry.all();
        for h in &all {
            let e = h.entry.lock().await;
            if e.record.state.paused {
                paused += 1;
            } else if e.record.state.running {
                running += 1;
            }
        }
        let total = all.len() as i64;
        let images = self
            .blocking(|store| store.list())
            .await
            .map(|l| l.len() as i64)
            .unwrap_or(0);
        let cgroup_version = if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
            "2"
        } else {
            "1"
        };
        let root = self.config().data_root.to_string_lossy().into_owned();
        let id_hex = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(root.as_bytes()));
        let id = id_hex.to_uppercase().as_bytes()[..48]
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        Ok(Info {
            id,
            containers: total,
            containers_running: running,
            containers_paused: paused,
            containers_stopped: total - running - paused,
            images,
            driver: "overlay2".into(),
            driver_status: vec![
                ["Backing Filesystem".into(), "extfs".into()],
                ["Supports d_type".into(), "true".into()],
                ["Native Overlay Diff".into(), "true".into()],
                ["userxattr".into(), "false".into()],
            ],
            plugins: json!({"Volume": ["local"], "Network": ["bridge", "host", "null"], "Authorization": null, "Log": ["json-file"]}),
            memory_limit: true,
            swap_limit: true,
            kernel_memory: false,
            kernel_memory_tcp: false,
            cpu_cfs_period: true,
            cpu_cfs_quota: true,
            cpu_shares: true,
            cpu_set: true,
            pids_limit: true,
            ipv4_forwarding: read_trimmed("/proc/sys/net/ipv4/ip_forward") == "1",
            bridge_nf_iptables: false,
            bridge_nf_ip6tables: false,
            debug: false,
            nfd: count_dir("/proc/self/fd"),
            oom_kill_disable: true,
            n_goroutines: count_dir("/proc/self/task"),
            system_time: crate::human::now_rfc3339(),
            logging_driver: "json-file".into(),
            cgroup_driver: "cgroupfs".into(),
            cgroup_version: cgroup_version.into(),
            n_events_listener: 0,
            kernel_version: read_trimmed("/proc/sys/kernel/osrelease"),
            operating_system: os_release("PRETTY_NAME"),
            os_version: os_release("VERSION_ID"),
            os_type: "linux".into(),
            architecture: std::env::consts::ARCH.into(),
            index_server_address: "https://index.docker.io/v1/".into(),
            registry_config: json!({
                "AllowNondistributableArtifactsCIDRs": [],
                "AllowNondistributableArtifactsHostnames": [],
                "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": true, "Official": true}},
                "Mirrors": []
            }),
            ncpu: std::thread::available_parallelism()
                .map(|n| n.get() as i64)
                .unwrap_or(1),
            mem_total: mem_total(),
            generic_resources: None,
            docker_root_dir: root,
            http_proxy: String::new(),
            https_proxy: String::new(),
            no_proxy: String::new(),
            name: crate::files::host_hostname(),
            labels: Vec::new(),
            experimental_build: false,
            server_version: api::version::ENGINE_VERSION.into(),
            runtimes: json!({"runc": {"path": self.config().shim_path.to_string_lossy()}}),
            default_runtime: "runc".into(),
            swarm: json!({"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null}),
            live_restore_enabled: true,
            isolation: String::new(),
            init_binary: String::new(),
            containerd_commit: json!({"ID": "", "Expected": ""}),
            runc_commit: json!({"ID": "", "Expected": ""}),
            init_commit: json!({"ID": "", "Expected": ""}),
            security_options: Vec::new(),
            warnings: None,
        })
    }
}
