//! Volumes (`/volumes` API): the local volume store plus which containers use each volume.
//!
//! A volume is in use while some container (running or not) mounts it, as in dockerd: such a
//! volume cannot be removed without `force` and is never pruned. References are taken before a
//! container's volumes are created and dropped when the container is removed; removal checks
//! and deletes under the same lock, so a volume is never deleted under a container being created.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use api::{Filters, Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneReport};
use storage::{NewVolume, VolumeRecord, VolumeStore};

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// The volume store and the containers using each volume.
pub(crate) struct VolumeService {
    pub store: VolumeStore,
    /// Volume name → ids of the containers that mount it.
    refs: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl VolumeService {
    pub fn open(data_root: &std::path::Path) -> Result<VolumeService> {
        Ok(VolumeService {
            store: VolumeStore::open(data_root)?,
            refs: Mutex::new(BTreeMap::new()),
        })
    }

    fn refs(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeSet<String>>> {
        self.refs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `container` mounts each of `volumes`.
    pub fn add_refs<'a>(&self, container: &str, volumes: impl IntoIterator<Item = &'a str>) {
        let mut refs = self.refs();
        for v in volumes {
            refs.entry(v.to_string())
                .or_default()
                .insert(container.to_string());
        }
    }

    /// Forgets every reference of `container`.
    pub fn release(&self, container: &str) {
        let mut refs = self.refs();
        refs.retain(|_, users| {
            users.remove(container);
            !users.is_empty()
        });
    }

    /// The containers using `volume`, sorted.
    pub fn users(&self, volume: &str) -> Vec<String> {
        self.refs()
            .get(volume)
            .map(|u| u.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Removes `name` unless a container uses it (dockerd's 409, even with `force`: dockerd's
    /// force only purges a volume its driver fails to remove); returns its size.
    pub fn remove_unused(&self, name: &str) -> Result<u64> {
        let refs = self.refs();
        self.store.get(name)?;
        if let Some(users) = refs.get(name).filter(|u| !u.is_empty()) {
            let ids: Vec<&str> = users.iter().map(String::as_str).collect();
            return Err(EngineError::Conflict(format!(
                "remove {name}: volume is in use - [{}]",
                ids.join(", ")
            )));
        }
        let size = self.store.remove(name)?;
        drop(refs);
        Ok(size)
    }

    /// The API view of a stored volume.
    pub fn to_api(&self, r: &VolumeRecord) -> Volume {
        Volume {
            created_at: r.created_at.clone(),
            driver: r.driver.clone(),
            labels: r.labels.clone(),
            mountpoint: self
                .store
                .mountpoint(&r.name)
                .to_string_lossy()
                .into_owned(),
            name: r.name.clone(),
            options: r.options.clone(),
            scope: "local".into(),
            status: None,
            usage_data: None,
        }
    }
}

const LIST_FILTERS: &[&str] = &["dangling", "name", "driver", "label"];
const PRUNE_FILTERS: &[&str] = &["label", "label!", "all"];

fn parse_dangling(filters: &Filters) -> Result<Option<bool>> {
    match filters.get("dangling").first().copied() {
        None => Ok(None),
        Some("true") | Some("1") | Some("True") | Some("TRUE") => Ok(Some(true)),
        Some("false") | Some("0") | Some("False") | Some("FALSE") => Ok(Some(false)),
        Some(v) => Err(EngineError::InvalidArgument(format!(
            "Invalid filter 'dangling={v}'"
        ))),
    }
}

fn label_not_matches(filters: &Filters, labels: &BTreeMap<String, String>) -> bool {
    filters
        .get("label!")
        .iter()
        .all(|l| match l.split_once('=') {
            Some((k, v)) => labels.get(k).map(String::as_str) != Some(v),
            None => !labels.contains_key(*l),
        })
}

impl Engine {
    pub(crate) fn volumes(&self) -> &Arc<VolumeService> {
        &self.inner.volumes
    }

    async fn volumes_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&VolumeService) -> Result<T> + Send + 'static,
    {
        let svc = self.volumes().clone();
        tokio::task::spawn_blocking(move || f(&svc))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))?
    }

    pub(crate) fn volume_event(&self, action: &str, name: &str, attrs: BTreeMap<String, String>) {
        self.inner.events.publish("volume", action, name, attrs);
    }

    /// `POST /volumes/create`: a new volume, or the existing one of that name.
    pub async fn create_volume(&self, opts: VolumeCreateOptions) -> Result<Volume> {
        let new = NewVolume {
            name: opts.name,
            driver: opts.driver,
            labels: opts.labels,
            options: opts.driver_opts,
        };
        let (record, created) = self
            .volumes_blocking(move |v| Ok(v.store.create(&new)?))
            .await?;
        if created {
            self.volume_event(
                "create",
                &record.name,
                BTreeMap::from([("driver".to_string(), record.driver.clone())]),
            );
        }
        Ok(self.volumes().to_api(&record))
    }

    /// `GET /volumes/{name}`.
    pub async fn inspect_volume(&self, name: &str) -> Result<Volume> {
        let name = name.to_string();
        let record = self
            .volumes_blocking(move |v| Ok(v.store.get(&name)?))
            .await?;
        Ok(self.volumes().to_api(&record))
    }

    /// `GET /volumes` with filters `dangling`, `name`, `driver`, `label`.
    pub async fn list_volumes(&self, filters: Filters) -> Result<VolumeListResponse> {
        filters
            .validate(LIST_FILTERS)
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let dangling = parse_dangling(&filters)?;
        let records = self.volumes_blocking(|v| Ok(v.store.list()?)).await?;
        let svc = self.volumes();
        let volumes = records
            .iter()
            .filter(|r| dangling.is_none_or(|d| svc.users(&r.name).is_empty() == d))
            .filter(|r| filters.any_matches("name", |n| r.name.contains(n)))
            .filter(|r| filters.any_matches("driver", |d| r.driver == d))
            .filter(|r| {
                filters.match_labels("label", r.labels.as_ref().unwrap_or(&BTreeMap::new()))
            })
            .map(|r| svc.to_api(r))
            .collect();
        Ok(VolumeListResponse {
            volumes,
            warnings: None,
        })
    }

    /// `DELETE /volumes/{name}`: 409 while a container uses it. `force` changes nothing for the
    /// local driver (see [`VolumeService::remove_unused`]).
    pub async fn remove_volume(&self, name: &str, _force: bool) -> Result<()> {
        let owned = name.to_string();
        self.volumes_blocking(move |v| v.remove_unused(&owned))
            .await?;
        self.volume_event(
            "destroy",
            name,
            BTreeMap::from([("driver".to_string(), storage::LOCAL_DRIVER.to_string())]),
        );
        Ok(())
    }

    /// `POST /volumes/prune`: every volume no container uses (API 1.41 semantics: named ones
    /// too), filtered by `label` / `label!`.
    pub async fn prune_volumes(&self, filters: Filters) -> Result<VolumePruneReport> {
        filters
            .validate(PRUNE_FILTERS)
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let records = self.volumes_blocking(|v| Ok(v.store.list()?)).await?;
        let mut report = VolumePruneReport::default();
        for r in records {
            let labels = r.labels.clone().unwrap_or_default();
            if !filters.match_labels("label", &labels) || !label_not_matches(&filters, &labels) {
                continue;
            }
            let name = r.name.clone();
            match self.volumes_blocking(move |v| v.remove_unused(&name)).await {
                Ok(size) => {
                    report.space_reclaimed += size;
                    report.volumes_deleted.push(r.name.clone());
                    self.volume_event(
                        "destroy",
                        &r.name,
                        BTreeMap::from([("driver".to_string(), r.driver.clone())]),
                    );
                }
                // In use, or gone meanwhile: not pruned.
                Err(EngineError::Conflict(_)) => {}
                Err(EngineError::Storage(e))
                    if errdefs::HasKind::kind(&e) == errdefs::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.inner.events.publish(
            "volume",
            "prune",
            "",
            BTreeMap::from([("reclaimed".to_string(), report.space_reclaimed.to_string())]),
        );
        Ok(report)
    }

    /// Every volume with its size and how many containers use it (`GET /system/df`).
    pub(crate) async fn volumes_usage(&self) -> Result<Vec<Volume>> {
        self.volumes_blocking(|v| {
            Ok(v.store
                .list()?
                .iter()
                .map(|r| {
                    let mut api = v.to_api(r);
                    api.usage_data = Some(api::UsageData {
                        size: v.store.size(&r.name) as i64,
                        ref_count: v.users(&r.name).len() as i64,
                    });
                    api
                })
                .collect())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_use_volumes_are_kept_until_released() {
        let root = tempfile::tempdir().unwrap();
        let svc = VolumeService::open(root.path()).unwrap();
        svc.store
            .create(&NewVolume {
                name: "v1".into(),
                ..Default::default()
            })
            .unwrap();
        svc.add_refs("c1", ["v1"]);
        svc.add_refs("c2", ["v1"]);
        let e = svc.remove_unused("v1").unwrap_err();
        assert_eq!(e.to_string(), "remove v1: volume is in use - [c1, c2]");
        svc.release("c1");
        assert_eq!(svc.users("v1"), ["c2"]);
        svc.release("c2");
        assert!(svc.users("v1").is_empty());
        svc.remove_unused("v1").unwrap();
        assert_eq!(
            svc.remove_unused("v1").unwrap_err().to_string(),
            "get v1: no such volume"
        );
    }
}
