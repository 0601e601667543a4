//! A container's mounts: planned at create from Binds, Mounts, Tmpfs, VolumesFrom and
//! `Config.Volumes` (storage's parser), their volumes created and referenced, recorded in
//! `container.json` (so a restart or a later `start` mounts the same) and turned into OCI mounts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use api::{Config, HostConfig, MountPoint, ANONYMOUS_VOLUME_LABEL};
use serde_json::{json, Value};
use storage::{LocalVolumeMount, MountInputs, MountKind, MountRequest, NewVolume};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::record::ContainerRecord;

/// Names of the volumes among `mounts`.
pub(crate) fn volume_names(mounts: &[MountRequest]) -> impl Iterator<Item = &str> {
    mounts
        .iter()
        .filter(|m| m.kind == MountKind::Volume && !m.source.is_empty())
        .map(|m| m.source.as_str())
}

/// What create did for a container's mounts, to undo it if the create fails later.
#[derive(Debug, Default)]
pub(crate) struct PreparedMounts {
    pub mounts: Vec<MountRequest>,
    /// Anonymous volumes this create made.
    pub created_anonymous: Vec<String>,
}

impl Engine {
    /// Plans `id`'s mounts, references and creates their volumes, creates missing `-v` host
    /// directories. On error nothing stays referenced or created.
    pub(crate) async fn prepare_mounts(
        &self,
        id: &str,
        config: &Config,
        hc: &HostConfig,
    ) -> Result<PreparedMounts> {
        let mut inherited = Vec::new();
        for spec in hc.volumes_from.iter().flatten() {
            let (name, rw) = storage::parse_volumes_from(spec)?;
            let other = self.inner.registry.resolve(&name)?;
            let entry = other.entry.lock().await;
            inherited.extend(
                entry
                    .record
                    .mounts
                    .iter()
                    .filter(|m| !m.from_tmpfs_map)
                    .map(|m| storage::inherited(m, rw)),
            );
        }
        let no_tmpfs = BTreeMap::new();
        let mut mounts = storage::plan_mounts(&MountInputs {
            inherited,
            binds: hc.binds.as_deref().unwrap_or(&[]),
            mounts: hc.mounts.as_deref().unwrap_or(&[]),
            tmpfs: hc.tmpfs.as_ref().unwrap_or(&no_tmpfs),
            config_volumes: config
                .volumes
                .iter()
                .flat_map(|v| v.keys().cloned())
                .collect(),
            volume_driver: &hc.volume_driver,
        })?;
        for m in &mut mounts {
            if m.kind == MountKind::Volume && m.source.is_empty() {
                m.source = storage::anonymous_volume_name();
                m.anonymous = true;
            }
        }
        if mounts.is_empty() {
            return Ok(PreparedMounts::default());
        }
        // Referenced first: a concurrent `volume rm` sees the container from here on.
        self.volumes().add_refs(id, volume_names(&mounts));
        let svc = self.volumes().clone();
        let made = tokio::task::spawn_blocking(move || {
            let mut created: Vec<(String, String, bool)> = Vec::new();
            let result = create_sources(&svc, &mut mounts, &mut created);
            (result, created, mounts)
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        let (result, created, mounts) = made;
        for (name, driver, _) in &created {
            self.volume_event(
                "create",
                name,
                BTreeMap::from([("driver".to_string(), driver.clone())]),
            );
        }
        let created_anonymous: Vec<String> = created
            .into_iter()
            .filter(|(_, _, anonymous)| *anonymous)
            .map(|(n, _, _)| n)
            .collect();
        if let Err(e) = result {
            self.discard_mounts(id, &created_anonymous).await;
            return Err(e);
        }
        Ok(PreparedMounts {
            mounts,
            created_anonymous,
        })
    }

    /// Undoes [`prepare_mounts`](Self::prepare_mounts) for a create that failed.
    pub(crate) async fn discard_mounts(&self, id: &str, created_anonymous: &[String]) {
        self.volumes().release(id);
        for name in created_anonymous {
            let _ = self.remove_volume(name, false).await;
        }
    }

    /// Host directories of `-v` binds that went missing since create (dockerd creates them at
    /// every start).
    pub(crate) fn recreate_bind_sources(record: &ContainerRecord) -> Result<()> {
        for m in record.mounts.iter().filter(|m| m.create_source) {
            std::fs::create_dir_all(&m.source).map_err(|e| {
                EngineError::io(
                    format!("error while creating mount source path '{}'", m.source),
                    e,
                )
            })?;
        }
        Ok(())
    }

    /// The OCI `mounts` entries for a container's mounts, in order.
    pub(crate) fn oci_mounts(&self, mounts: &[MountRequest]) -> Vec<Value> {
        mounts
            .iter()
            .map(|m| match m.kind {
                MountKind::Bind => json!({"destination": m.destination, "type": "bind",
                    "source": m.source, "options": m.bind_options()}),
                MountKind::Volume => self.oci_volume_mount(m),
                MountKind::Tmpfs => json!({"destination": m.destination, "type": "tmpfs",
                    "source": "tmpfs", "options": m.tmpfs_options}),
            })
            .collect()
    }

    /// A volume's OCI mount: a bind of its data directory, or what its driver options describe
    /// (mounted in the container's namespace like everything else: a `type=tmpfs` volume is a
    /// fresh tmpfs per container, not one shared by the containers running at the same time).
    fn oci_volume_mount(&self, m: &MountRequest) -> Value {
        match storage::local_volume_mount(m.driver_options.as_ref()) {
            None => json!({"destination": m.destination, "type": "bind",
                "source": self.volumes().store.mountpoint(&m.source),
                "options": m.bind_options()}),
            Some(LocalVolumeMount::Bind { device, read_only }) => {
                let mut options = m.bind_options();
                if read_only && m.rw {
                    options.insert(1, "ro".into());
                }
                json!({"destination": m.destination, "type": "bind", "source": device,
                    "options": options})
            }
            Some(LocalVolumeMount::Filesystem {
                fs_type,
                device,
                mut options,
            }) => {
                if !m.rw {
                    options.push("ro".into());
                }
                json!({"destination": m.destination, "type": fs_type, "source": device,
                    "options": options})
            }
        }
    }

    /// Volumes that get the image's content at their destination if they are empty (not those
    /// whose driver options mount something else over them).
    pub(crate) fn copy_up_targets(&self, mounts: &[MountRequest]) -> Vec<(String, PathBuf)> {
        mounts
            .iter()
            .filter(|m| m.kind == MountKind::Volume && m.copy_data)
            .filter(|m| storage::local_volume_mount(m.driver_options.as_ref()).is_none())
            .map(|m| {
                (
                    m.destination.clone(),
                    self.volumes().store.mountpoint(&m.source),
                )
            })
            .collect()
    }

    /// Inspect's and `ps`'s `Mounts` (tmpfs from `HostConfig.Tmpfs` is not listed, as dockerd).
    pub(crate) fn mount_points(&self, record: &ContainerRecord) -> Vec<MountPoint> {
        record
            .mounts
            .iter()
            .filter(|m| !m.from_tmpfs_map)
            .map(|m| {
                let source = match m.kind {
                    MountKind::Volume => self
                        .volumes()
                        .store
                        .mountpoint(&m.source)
                        .to_string_lossy()
                        .into_owned(),
                    _ => m.source.clone(),
                };
                m.mount_point(&source)
            })
            .collect()
    }

    /// `mount` events for the volumes of a container that started.
    pub(crate) fn emit_volume_mounts(&self, record: &ContainerRecord) {
        for m in record.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            self.volume_event(
                "mount",
                &m.source,
                BTreeMap::from([
                    ("container".to_string(), record.id.clone()),
                    ("destination".to_string(), m.destination.clone()),
                    ("driver".to_string(), storage::LOCAL_DRIVER.to_string()),
                    ("propagation".to_string(), m.propagation.clone()),
                    ("read/write".to_string(), m.rw.to_string()),
                ]),
            );
        }
    }

    /// `unmount` events for the volumes of a container that stopped.
    pub(crate) fn emit_volume_unmounts(&self, record: &ContainerRecord) {
        for name in volume_names(&record.mounts) {
            self.volume_event(
                "unmount",
                name,
                BTreeMap::from([
                    ("container".to_string(), record.id.clone()),
                    ("driver".to_string(), storage::LOCAL_DRIVER.to_string()),
                ]),
            );
        }
    }

    /// After a container is removed: drop its references and, with `rm -v` (or AutoRemove),
    /// remove its anonymous volumes that no other container uses.
    pub(crate) async fn release_container_volumes(
        &self,
        record: &ContainerRecord,
        remove_anonymous: bool,
    ) {
        self.volumes().release(&record.id);
        if !remove_anonymous {
            return;
        }
        for m in record
            .mounts
            .iter()
            .filter(|m| m.anonymous && m.kind == MountKind::Volume)
        {
            match self.remove_volume(&m.source, false).await {
                Ok(()) => {}
                Err(e) => tracing::debug!("keep volume {}: {e}", m.source),
            }
        }
    }
}

/// Creates each volume of `mounts` (the existing one is used as is; its driver options are
/// copied into the mount) and missing `-v` host directories; records (name, driver, anonymous)
/// of the volumes it made in `created`.
fn create_sources(
    svc: &crate::volumes::VolumeService,
    mounts: &mut [MountRequest],
    created: &mut Vec<(String, String, bool)>,
) -> Result<()> {
    for m in mounts.iter_mut() {
        match m.kind {
            MountKind::Volume => {
                let mut labels = m.volume_labels.clone();
                if m.anonymous {
                    labels
                        .get_or_insert_with(BTreeMap::new)
                        .insert(ANONYMOUS_VOLUME_LABEL.to_string(), String::new());
                }
                let (record, made) = svc.store.create(&NewVolume {
                    name: m.source.clone(),
                    driver: m.driver.clone(),
                    labels,
                    options: m.driver_options.clone(),
                })?;
                m.driver_options = record.options.clone();
                if made {
                    created.push((record.name, record.driver, m.anonymous));
                }
            }
            MountKind::Bind if m.create_source && std::fs::symlink_metadata(&m.source).is_err() => {
                std::fs::create_dir_all(&m.source).map_err(|e| {
                    EngineError::io(
                        format!("error while creating mount source path '{}'", m.source),
                        e,
                    )
                })?;
            }
            _ => {}
        }
    }
    Ok(())
}
