//! `POST /containers/create`: image → rootfs plan → files → OCI spec → records → shim.
//! Any failure removes everything created so far.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use api::{ContainerCreateBody, ContainerCreateResponse, ContainerState};
use storage::ContainerFs;

use crate::atomic::{sync_durably, write_renamed};
use crate::cleanup::remove_dir_all;
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::files::{host_hostname, write_network_files};
use crate::handle::ContainerHandle;
use crate::human::now_rfc3339;
use crate::ids::generate_id;
use crate::merge::{command_of, merge_config, merge_env, DEFAULT_PATH};
use crate::names::{random_name, validate_name};
use crate::paths::{short_id, ContainerFiles};
use crate::record::ContainerRecord;
use crate::shim_spawn::{spawn_shim, ShimArgs};
use crate::spec::{build_spec, is_host_network, SpecInput};
use crate::user::resolve_user;

impl Engine {
    pub(crate) async fn create_container_now(
        &self,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> Result<ContainerCreateResponse> {
        let id = generate_id();
        let name = self.reserve_name(name, &id)?;
        match self.create_with_name(&id, &name, body).await {
            Ok(resp) => Ok(resp),
            Err(e) => {
                self.inner.registry.release_name(&name, &id);
                Err(e)
            }
        }
    }

    fn reserve_name(&self, requested: Option<String>, id: &str) -> Result<String> {
        if let Some(n) = requested {
            let bare = validate_name(&n)?;
            self.inner.registry.reserve_name(&bare, id)?;
            return Ok(bare);
        }
        for _ in 0..20 {
            let n = random_name();
            if self.inner.registry.reserve_name(&n, id).is_ok() {
                return Ok(n);
            }
        }
        // Every retry collided: add a digit like Docker does.
        let n = format!("{}{}", random_name(), rand::random::<u8>() % 10);
        self.inner.registry.reserve_name(&n, id)?;
        Ok(n)
    }

    async fn create_with_name(
        &self,
        id: &str,
        name: &str,
        body: ContainerCreateBody,
    ) -> Result<ContainerCreateResponse> {
        let t0 = std::time::Instant::now();
        let ContainerCreateBody {
            mut config,
            mut host_config,
            networking_config,
        } = body;
        if config.image.is_empty() {
            return Err(EngineError::InvalidArgument(
                "Config.Image is required".into(),
            ));
        }
        let lookup = config.image.clone();
        let (img, layers) = self
            .blocking(move |store| {
                let img = store.resolve(&lookup)?;
                let layers = store.layer_dirs(&img)?;
                Ok((img, layers))
            })
            .await?;
        tracing::debug!(elapsed = ?t0.elapsed(), "create: image resolved");
        merge_config(&mut config, &img.config.config);
        let (path, args) = command_of(&config)?;
        if host_config.network_mode.is_empty() {
            host_config.network_mode = "default".into();
        }
        crate::restart_policy::validate_host_config(&host_config)?;
        // Clients before docker 25 send an empty name for "no" (dockerd normalizes it).
        if host_config.restart_policy.name.is_empty() {
            host_config.restart_policy.name = "no".into();
        }
        crate::health::validate(&config)?;
        crate::log_config::apply_defaults(&mut host_config.log_config, &self.config().log);
        crate::log_config::shim_log_args(&host_config)?;
        let network_plan = self.plan_networks(&host_config, &networking_config)?;
        let host_network = is_host_network(&host_config);
        if config.hostname.is_empty() {
            config.hostname = if host_network {
                host_hostname()
            } else {
                short_id(id).to_string()
            };
        }
        let prepared_mounts = self.prepare_mounts(id, &config, &host_config).await?;
        match self
            .create_with_mounts(
                id,
                name,
                (path, args),
                config,
                host_config,
                (img.id.as_str().to_string(), layers),
                &prepared_mounts,
            )
            .await
        {
            Ok(resp) => {
                self.join_networks(id, name, network_plan);
                Ok(resp)
            }
            Err(e) => {
                self.discard_mounts(id, &prepared_mounts.created_anonymous)
                    .await;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_with_mounts(
        &self,
        id: &str,
        name: &str,
        (path, args): (String, Vec<String>),
        config: api::Config,
        host_config: api::HostConfig,
        (image_id, layers): (String, Vec<PathBuf>),
        prepared_mounts: &crate::container_mounts::PreparedMounts,
    ) -> Result<ContainerCreateResponse> {
        let t0 = std::time::Instant::now();
        let image_name = config.image.clone();
        let dir = self.paths().container_dir(id);
        let record = ContainerRecord {
            id: id.to_string(),
            name: format!("/{name}"),
            created: now_rfc3339(),
            image: image_id,
            image_name,
            path,
            args,
            config,
            host_config,
            state: ContainerState::default(),
            restart_count: 0,
            cgroups_path: format!("/{}/{}", self.config().cgroup_parent.trim_matches('/'), id),
            mounts: prepared_mounts.mounts.clone(),
            has_been_manually_stopped: false,
        };
        let oci_mounts = self.oci_mounts(&record.mounts);
        let copy_up = self.copy_up_targets(&record.mounts);
        let prepared = {
            let dir = dir.clone();
            let record = record.clone();
            tokio::task::spawn_blocking(move || {
                prepare_bundle(&dir, &record, &layers, oci_mounts, &copy_up)
            })
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))
            .and_then(|r| r)
        };
        if let Err(e) = prepared {
            discard_dir(&dir);
            return Err(e);
        }
        // `--network container:x` with x running: the shim created below joins its netns now
        // (otherwise the start creates the init again, once x runs).
        if let Err(e) = self.prepare_netns_join(&record, &dir).await {
            tracing::debug!("create {id}: netns to join not ready yet: {e}");
        }
        tracing::debug!(elapsed = ?t0.elapsed(), "create: bundle prepared");
        let socket = self.paths().shim_socket(id);
        // The shim starts while the bundle's metadata is flushed: both must finish before 201.
        let sync = {
            let files = ContainerFiles(&dir);
            let (spec, rec) = (files.spec(), files.record());
            tokio::task::spawn_blocking(move || sync_durably(&[&spec, &rec]))
        };
        let shim_args = ShimArgs {
            shim: &self.config().shim_path,
            id,
            bundle: &dir,
            socket: &socket,
            stdin: record.config.open_stdin,
            // As at start (lifecycle.rs): a TTY container's stdin outlives its attach clients.
            stdin_once: record.config.stdin_once && !record.config.tty,
            log_args: crate::log_config::shim_log_args(&record.host_config)?,
        };
        let (spawned, synced) = tokio::join!(spawn_shim(&shim_args), sync);
        let spawned = match synced {
            Ok(Ok(())) => spawned,
            Ok(Err(e)) => spawned.and(Err(EngineError::io("sync container metadata", e))),
            Err(e) => spawned.and(Err(EngineError::Internal(e.to_string()))),
        };
        let pid = match spawned {
            Ok(pid) => pid,
            Err(e) => {
                // A shim that did come up must not outlive its container's directory.
                let _ = crate::shim_client::kill(&socket, crate::signal::SIGKILL, true).await;
                discard_dir(&dir);
                let _ = std::fs::remove_file(&socket);
                crate::cleanup::remove_cgroup(&record.cgroups_path);
                return Err(match e {
                    EngineError::StartFailed(m) => EngineError::Internal(m),
                    other => other,
                });
            }
        };
        tracing::debug!(elapsed = ?t0.elapsed(), "create: shim ready");
        let handle = Arc::new(ContainerHandle::new(record.clone(), true));
        handle.entry.lock().await.created_pid = Some(pid);
        self.inner.registry.insert(handle);
        self.emit("create", &record);
        Ok(ContainerCreateResponse {
            id: id.to_string(),
            warnings: Vec::new(),
        })
    }

    /// Publishes a container event with dockerd's attributes (name, image, labels).
    pub(crate) fn emit(&self, action: &str, record: &ContainerRecord) {
        self.emit_with(action, record, BTreeMap::new());
    }

    pub(crate) fn emit_with(
        &self,
        action: &str,
        record: &ContainerRecord,
        mut attrs: BTreeMap<String, String>,
    ) {
        attrs.insert("name".into(), record.bare_name().to_string());
        attrs.insert("image".into(), record.image_name.clone());
        for (k, v) in record.config.labels.iter().flatten() {
            attrs.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.inner.events.container(action, &record.id, attrs);
    }
}

fn discard_dir(dir: &Path) {
    let _ = ContainerFs::remove(dir);
    if let Err(e) = remove_dir_all(dir) {
        tracing::warn!("remove {}: {e}", dir.display());
    }
}

/// Creates the container directory: writable layer, network files, `config.json`, `container.json`.
/// `copy_up`: (destination, volume data dir) of volumes that get the image's content when empty.
fn prepare_bundle(
    dir: &Path,
    record: &ContainerRecord,
    layers: &[PathBuf],
    mut mounts: Vec<serde_json::Value>,
    copy_up: &[(String, PathBuf)],
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| EngineError::io(format!("create {}", dir.display()), e))?;
    let plan = ContainerFs::prepare(dir, layers)?;
    for (destination, data) in copy_up {
        let empty = std::fs::read_dir(data)
            .map_err(|e| EngineError::io(format!("read {}", data.display()), e))?
            .next()
            .is_none();
        if empty {
            storage::copy_image_content(layers, destination, data)?;
        }
    }
    let host_network = is_host_network(&record.host_config);
    let extra_hosts = record
        .host_config
        .extra_hosts
        .as_deref()
        .unwrap_or_default();
    write_network_files(dir, &record.config.hostname, host_network, extra_hosts)?;
    let user = resolve_user(&record.config.user, layers)?;
    let env = process_env(record, &user.home);
    let mut argv = vec![record.path.clone()];
    argv.extend(record.args.iter().cloned());
    crate::spec::apply_init(&record.host_config, &mut argv, &mut mounts)?;
    let cwd = if record.config.working_dir.is_empty() {
        "/".to_string()
    } else {
        record.config.working_dir.clone()
    };
    let spec = build_spec(&SpecInput {
        container_dir: dir,
        argv,
        env,
        cwd,
        user,
        hostname: record.config.hostname.clone(),
        domainname: record.config.domainname.clone(),
        host_config: &record.host_config,
        cgroups_path: record.cgroups_path.clone(),
        overlay_mount_data: plan.mount_data,
        tty: record.config.tty,
        mounts,
    })?;
    let files = ContainerFiles(dir);
    write_renamed(&files.spec(), &spec).map_err(|e| EngineError::io("write config.json", e))?;
    record.save_renamed(&files.record())
}

/// The init's environment: PATH and HOSTNAME defaults, then `Config.Env`, then HOME if unset.
fn process_env(record: &ContainerRecord, home: &str) -> Vec<String> {
    let mut base = vec![
        format!("PATH={DEFAULT_PATH}"),
        format!("HOSTNAME={}", record.config.hostname),
    ];
    if record.config.tty {
        base.push("TERM=xterm".into());
    }
    let mut env = merge_env(&base, record.config.env.as_deref().unwrap_or(&[]));
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={home}"));
    }
    env
}
