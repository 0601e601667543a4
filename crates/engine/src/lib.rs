//! The daemon core: containers (create, start, stop, kill, remove, wait, attach, logs), images,
//! state on disk, shim supervision, events and restore on startup. Blocking work runs in
//! `spawn_blocking`; each container has its own lock, and waiters are woken through a watch channel.

mod atomic;
mod cleanup;
pub mod container_archive;
mod container_mounts;
mod create;
mod detached;
mod engine;
pub mod error;
pub mod events;
mod files;
mod handle;
pub mod human;
mod ids;
mod images;
mod lifecycle;
pub mod logs;
pub mod merge;
pub mod names;
pub mod options;
mod paths;
mod query;
mod record;
mod registry;
mod restore;
pub mod shim_client;
mod shim_spawn;
pub mod signal;
// Images and registries (issue 4): pull, push, login, save/load, commit, history, prune.
mod blob_sources;
pub mod container_commit;
mod distribution;
pub mod image_archive;
mod image_events;
pub mod image_history;
pub mod image_prune;
mod ingest;
pub mod login;
pub mod progress;
pub mod pull;
pub mod push;
pub mod spec;
mod spool;
mod system;
pub mod user;
mod volumes;

// Interactive and observable containers (issue 3): exec, pause, stats, top, update, events…
pub mod changes;
pub mod container_prune;
mod disk_usage;
pub mod events_api;
pub mod exec;
mod export;
mod layer_view;
mod lifecycle_events;
pub mod log_config;
mod log_files;
mod pause;
mod resize;
pub mod stats;
mod stop_signal;
pub mod top;
pub mod update;

// Networks: store, API, container endpoints, published ports, embedded DNS.
pub mod network_attach;
pub mod network_config;
pub mod network_error;
mod network_store;
pub mod networks;
pub mod port_spec;

// Dockerfile builds (legacy builder): POST /build and its executor.
pub mod build;
mod build_context;
mod build_executor;
mod build_mount;
pub mod build_run_resources;

// Restart policies and healthchecks.
pub mod health;
pub mod restart_policy;

pub use engine::{Engine, EngineConfig, LogDefaults, RegistrySettings};
pub use error::{EngineError, Result};
pub use logs::LogStream;
pub use network_config::NetworkConfig;
pub use options::{AttachOptions, ImportOptions, ListOptions, LogsOptions};
pub use pull::PullOptions;
