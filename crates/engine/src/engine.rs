//! The daemon core: owns the services and is cheap to clone (an `Arc` inside).

use std::path::PathBuf;
use std::sync::Arc;

use image::ImageStore;

use crate::error::{EngineError, Result};
use crate::events::EventBus;
use crate::paths::Paths;
use crate::registry::Registry;

/// How the daemon was started.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    /// Cgroup parent of every container (`/<parent>/<id>`).
    pub cgroup_parent: String,
    /// The `berth-shim` binary.
    pub shim_path: PathBuf,
    /// Registry access (dockerd's `insecure-registries`, `max-concurrent-downloads/uploads`).
    pub registry: RegistrySettings,
    /// Logging of containers whose `HostConfig.LogConfig.Type` is empty (dockerd's `log-driver`, `log-opts`).
    pub log: LogDefaults,
    /// Bridges, address pools and firewall (berthd's `--bridge`, `--bip`, ...).
    pub network: crate::network_config::NetworkConfig,
}

/// The daemon-wide default log driver and options from berthd's flags or daemon.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogDefaults {
    /// `json-file` or `none`.
    pub driver: String,
    /// Driver options (`max-size`, `max-file`, ...).
    pub opts: std::collections::BTreeMap<String, String>,
}

impl Default for LogDefaults {
    fn default() -> Self {
        LogDefaults {
            driver: "json-file".into(),
            opts: Default::default(),
        }
    }
}

/// Registry settings from berthd's flags or daemon.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySettings {
    /// host:port or CIDR entries; 127.0.0.0/8 is always insecure.
    pub insecure_registries: Vec<String>,
    pub max_concurrent_downloads: usize,
    pub max_concurrent_uploads: usize,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            insecure_registries: Vec::new(),
            max_concurrent_downloads: 3,
            max_concurrent_uploads: 5,
        }
    }
}

pub(crate) struct Inner {
    pub config: EngineConfig,
    pub paths: Paths,
    pub registry: Registry,
    pub images: Arc<ImageStore>,
    pub events: EventBus,
    /// Registry client and transfer state (pull, push, login).
    pub distribution: crate::distribution::Distribution,
    /// Exec instances (in memory only, as in dockerd).
    pub execs: crate::exec::ExecStore,
    /// Local volumes and the containers using them.
    pub volumes: Arc<crate::volumes::VolumeService>,
    /// Networks, container endpoints, port proxies and DNS servers.
    pub networks: Arc<crate::networks::NetworkService>,
}

/// The engine. Clones share state.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// Opens the state under the data root and restores every container (reattaching to live shims).
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        // A bad default would fail every later create: refuse to start instead, as dockerd does.
        crate::log_config::validate_defaults(&config.log)?;
        let paths = Paths {
            data_root: config.data_root.clone(),
            exec_root: config.exec_root.clone(),
        };
        for dir in [paths.containers_dir(), paths.shims_dir()] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| EngineError::io(format!("create {}", dir.display()), e))?;
        }
        let data_root = config.data_root.clone();
        let data_root_for_distribution = config.data_root.clone();
        let registry_settings = config.registry.clone();
        let volumes_root = config.data_root.clone();
        let volumes =
            tokio::task::spawn_blocking(move || crate::volumes::VolumeService::open(&volumes_root))
                .await
                .map_err(|e| EngineError::Internal(e.to_string()))??;
        let networks = Arc::new(crate::networks::NetworkService::open(
            &config.data_root,
            config.network.clone(),
        )?);
        networks.prepare_host().await?;
        let images = tokio::task::spawn_blocking(move || ImageStore::open(&data_root))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))??;
        let engine = Engine {
            inner: Arc::new(Inner {
                config,
                paths,
                registry: Registry::default(),
                images: Arc::new(images),
                events: EventBus::default(),
                distribution: crate::distribution::Distribution::new(
                    &data_root_for_distribution,
                    &registry_settings,
                ),
                execs: Default::default(),
                volumes: Arc::new(volumes),
                networks,
            }),
        };
        let build_root = engine.inner.config.data_root.clone();
        let _ =
            tokio::task::spawn_blocking(move || crate::build::remove_build_leftovers(&build_root))
                .await;
        engine.restore().await;
        Ok(engine)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The event bus (for `/events` subscribers).
    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    pub(crate) fn paths(&self) -> &Paths {
        &self.inner.paths
    }

    /// Runs blocking image-store work off the async threads.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&ImageStore) -> std::result::Result<T, image::ImageError> + Send + 'static,
    {
        let store = self.inner.images.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| EngineError::Internal(format!("image store task: {e}")))?
            .map_err(EngineError::from)
    }
}
