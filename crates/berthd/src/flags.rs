//! dockerd-compatible flags, merged with `daemon.json` (flags win).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use serde::Deserialize;

/// berthd: the berth container engine daemon.
#[derive(Debug, Parser)]
#[command(name = "berthd", version)]
pub struct Flags {
    /// Daemon socket(s) to listen on (`unix:///path`).
    #[arg(short = 'H', long = "host")]
    pub hosts: Vec<String>,
    /// Root directory of persistent state.
    #[arg(long)]
    pub data_root: Option<PathBuf>,
    /// Root directory of execution state (sockets).
    #[arg(long)]
    pub exec_root: Option<PathBuf>,
    /// Path of the pid file (default `<exec-root>/berthd.pid`).
    #[arg(short = 'p', long)]
    pub pidfile: Option<PathBuf>,
    /// Daemon configuration file (Docker's daemon.json keys).
    #[arg(long, default_value = "/etc/berth/daemon.json")]
    pub config_file: PathBuf,
    /// debug, info, warn, error or fatal.
    #[arg(short = 'l', long)]
    pub log_level: Option<String>,
    /// Parent cgroup of every container.
    #[arg(long)]
    pub cgroup_parent: Option<String>,
    /// Debug logging.
    #[arg(short = 'D', long)]
    pub debug: bool,
    /// Registries reached over plain HTTP or unverified TLS (host:port or CIDR; repeatable).
    /// 127.0.0.0/8 always is.
    #[arg(long = "insecure-registry")]
    pub insecure_registries: Vec<String>,
    /// Layers downloaded at once per pull (default 3).
    #[arg(long)]
    pub max_concurrent_downloads: Option<usize>,
    /// Layers uploaded at once per push (default 5).
    #[arg(long)]
    pub max_concurrent_uploads: Option<usize>,
    /// Default log driver of containers that name none (`json-file` or `none`).
    #[arg(long)]
    pub log_driver: Option<String>,
    /// Default log driver option `key=value` (repeatable), e.g. `max-size=10m`.
    #[arg(long = "log-opt")]
    pub log_opts: Vec<String>,
    /// Linux bridge of the default `bridge` network (created when missing; default berth0).
    #[arg(short = 'b', long)]
    pub bridge: Option<String>,
    /// Address and prefix of that bridge (default 172.17.0.1/16).
    #[arg(long)]
    pub bip: Option<String>,
    /// Pool for the subnets of new networks, `base=10.10.0.0/16,size=24` (repeatable).
    #[arg(long = "default-address-pool")]
    pub default_address_pools: Vec<String>,
    /// NAT and port-forwarding rules in nftables (default true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub iptables: Option<bool>,
    /// Enable IPv4 forwarding at startup (default true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub ip_forward: Option<bool>,
}

/// daemon.json `default-address-pools` entry.
#[derive(Debug, Default, Deserialize)]
struct AddressPoolJson {
    base: String,
    size: u8,
}

/// The subset of daemon.json berthd understands.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DaemonJson {
    #[serde(default)]
    hosts: Vec<String>,
    data_root: Option<PathBuf>,
    exec_root: Option<PathBuf>,
    pidfile: Option<PathBuf>,
    log_level: Option<String>,
    cgroup_parent: Option<String>,
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    insecure_registries: Vec<String>,
    max_concurrent_downloads: Option<usize>,
    max_concurrent_uploads: Option<usize>,
    log_driver: Option<String>,
    #[serde(default)]
    log_opts: std::collections::BTreeMap<String, String>,
    bridge: Option<String>,
    bip: Option<String>,
    #[serde(default)]
    default_address_pools: Vec<AddressPoolJson>,
    iptables: Option<bool>,
    ip_forward: Option<bool>,
}

/// The effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub hosts: Vec<String>,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub pidfile: PathBuf,
    pub log_level: String,
    pub cgroup_parent: String,
    pub registry: engine::RegistrySettings,
    pub log: engine::LogDefaults,
    pub network: engine::NetworkConfig,
}

fn load_daemon_json(path: &Path) -> Result<DaemonJson> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("parse {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DaemonJson::default()),
        Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
    }
}

impl Flags {
    pub fn settings(self) -> Result<Settings> {
        let file = load_daemon_json(&self.config_file)?;
        let hosts = if !self.hosts.is_empty() {
            self.hosts
        } else if !file.hosts.is_empty() {
            file.hosts
        } else {
            vec!["unix:///run/berth/berth.sock".to_string()]
        };
        let data_root = self
            .data_root
            .or(file.data_root)
            .unwrap_or_else(|| "/var/lib/berth".into());
        let exec_root = self
            .exec_root
            .or(file.exec_root)
            .unwrap_or_else(|| "/run/berth".into());
        let pidfile = self
            .pidfile
            .or(file.pidfile)
            .unwrap_or_else(|| exec_root.join("berthd.pid"));
        let log_level = if self.debug || file.debug {
            "debug".to_string()
        } else {
            self.log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".into())
        };
        let cgroup_parent = self
            .cgroup_parent
            .or(file.cgroup_parent)
            .unwrap_or_else(|| "berth".into());
        let defaults = engine::RegistrySettings::default();
        let mut insecure_registries = file.insecure_registries;
        insecure_registries.extend(self.insecure_registries);
        let registry = engine::RegistrySettings {
            insecure_registries,
            max_concurrent_downloads: self
                .max_concurrent_downloads
                .or(file.max_concurrent_downloads)
                .filter(|n| *n > 0)
                .unwrap_or(defaults.max_concurrent_downloads),
            max_concurrent_uploads: self
                .max_concurrent_uploads
                .or(file.max_concurrent_uploads)
                .filter(|n| *n > 0)
                .unwrap_or(defaults.max_concurrent_uploads),
        };
        let mut log_opts = file.log_opts;
        for opt in &self.log_opts {
            let (k, v) = opt
                .split_once('=')
                .with_context(|| format!("--log-opt {opt:?}: expected key=value"))?;
            log_opts.insert(k.to_string(), v.to_string());
        }
        let log = engine::LogDefaults {
            driver: self
                .log_driver
                .or(file.log_driver)
                .unwrap_or_else(|| engine::LogDefaults::default().driver),
            opts: log_opts,
        };
        let pools: Vec<String> = if self.default_address_pools.is_empty() {
            file.default_address_pools
                .iter()
                .map(|p| format!("base={},size={}", p.base, p.size))
                .collect()
        } else {
            self.default_address_pools
        };
        let network = engine::network_config::from_flags(
            self.bridge.or(file.bridge),
            self.bip.as_deref().or(file.bip.as_deref()),
            &pools,
            self.iptables.or(file.iptables).unwrap_or(true),
            self.ip_forward.or(file.ip_forward).unwrap_or(true),
        )
        .map_err(anyhow::Error::msg)?;
        Ok(Settings {
            network,
            hosts,
            data_root,
            exec_root,
            pidfile,
            log_level,
            cgroup_parent,
            registry,
            log,
        })
    }
}

/// `unix:///path` → `/path`.
pub fn unix_socket_path(host: &str) -> Result<PathBuf> {
    match host.strip_prefix("unix://") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => anyhow::bail!("unsupported host {host:?}: only unix:///path sockets are supported"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_daemon_json() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("daemon.json");
        std::fs::write(
            &cfg,
            r#"{"data-root":"/from/file","cgroup-parent":"filecg","hosts":["unix:///f.sock"]}"#,
        )
        .unwrap();
        let flags = Flags::parse_from([
            "berthd",
            "--config-file",
            cfg.to_str().unwrap(),
            "--data-root",
            "/from/flag",
        ]);
        let s = flags.settings().unwrap();
        assert_eq!(s.data_root, PathBuf::from("/from/flag"));
        assert_eq!(s.cgroup_parent, "filecg");
        assert_eq!(s.hosts, vec!["unix:///f.sock"]);
        assert_eq!(s.pidfile, PathBuf::from("/run/berth/berthd.pid"));
    }

    #[test]
    fn missing_config_file_is_fine() {
        let flags = Flags::parse_from([
            "berthd",
            "--config-file",
            "/nonexistent/daemon.json",
            "-H",
            "unix:///tmp/x.sock",
            "-H",
            "unix:///tmp/y.sock",
        ]);
        let s = flags.settings().unwrap();
        assert_eq!(s.hosts.len(), 2);
        assert_eq!(s.data_root, PathBuf::from("/var/lib/berth"));
    }

    #[test]
    fn host_parsing() {
        assert_eq!(
            unix_socket_path("unix:///run/x.sock").unwrap(),
            PathBuf::from("/run/x.sock")
        );
        assert!(unix_socket_path("tcp://0.0.0.0:2375").is_err());
    }

    #[test]
    fn registry_settings_from_flags_and_daemon_json() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("daemon.json");
        std::fs::write(
            &config,
            r#"{"insecure-registries":["10.0.0.0/8"],"max-concurrent-downloads":6}"#,
        )
        .unwrap();
        let s = Flags::parse_from([
            "berthd",
            "--config-file",
            config.to_str().unwrap(),
            "--insecure-registry",
            "myreg:5000",
            "--max-concurrent-uploads",
            "2",
        ])
        .settings()
        .unwrap();
        assert_eq!(s.registry.insecure_registries, ["10.0.0.0/8", "myreg:5000"]);
        assert_eq!(s.registry.max_concurrent_downloads, 6);
        assert_eq!(s.registry.max_concurrent_uploads, 2);
    }

    #[test]
    fn log_defaults_from_flags_and_daemon_json() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("daemon.json");
        std::fs::write(
            &config,
            r#"{"log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"3"}}"#,
        )
        .unwrap();
        let cfg = config.to_str().unwrap();
        let s = Flags::parse_from(["berthd", "--config-file", cfg, "--log-opt", "max-file=5"])
            .settings()
            .unwrap();
        assert_eq!(s.log.driver, "json-file");
        assert_eq!(s.log.opts["max-size"], "10m");
        assert_eq!(s.log.opts["max-file"], "5");

        let s = Flags::parse_from(["berthd", "--config-file", cfg, "--log-driver", "none"])
            .settings()
            .unwrap();
        assert_eq!(s.log.driver, "none");

        let s = Flags::parse_from(["berthd", "--config-file", "/nonexistent/daemon.json"])
            .settings()
            .unwrap();
        assert_eq!(s.log, engine::LogDefaults::default());

        assert!(
            Flags::parse_from(["berthd", "--config-file", cfg, "--log-opt", "max-size"])
                .settings()
                .is_err()
        );
    }

    #[test]
    fn network_flags_and_daemon_json() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("daemon.json");
        std::fs::write(
            &config,
            r#"{"bridge":"fromfile","default-address-pools":[{"base":"10.20.0.0/16","size":24}],"iptables":false}"#,
        )
        .unwrap();
        let s = Flags::parse_from([
            "berthd",
            "--config-file",
            config.to_str().unwrap(),
            "-b",
            "bt1",
            "--bip",
            "10.9.8.1/24",
            "--ip-forward=false",
        ])
        .settings()
        .unwrap();
        assert_eq!(s.network.bridge, "bt1");
        assert_eq!(s.network.bip.to_string(), "10.9.8.1/24");
        assert_eq!(s.network.default_address_pools.len(), 1);
        assert!(!s.network.iptables);
        assert!(!s.network.ip_forward);
        let bad = Flags::parse_from([
            "berthd",
            "--config-file",
            "/nonexistent/daemon.json",
            "--bip",
            "10.9.8.0/24",
        ])
        .settings();
        assert!(bad.is_err());
    }
}
