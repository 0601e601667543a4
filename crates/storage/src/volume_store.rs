//! Local volumes on disk: `<data-root>/volumes/<name>/_data` (the data, bind-mounted into
//! containers) and `<data-root>/volumes/<name>/volume.json` (name, creation time, labels, driver
//! options). Only dockerd's `local` driver exists.
//!
//! Work in progress lives under names starting with `.` (never a valid volume name): a volume is
//! built as `.tmp-<name>-*` and renamed into place, and removed by renaming it to `.rm-*` first,
//! so a crash leaves either the whole volume or nothing; leftovers go when the store opens.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};
use crate::volume_name::{anonymous_volume_name, validate_volume_name};

/// The only volume driver.
pub const LOCAL_DRIVER: &str = "local";
const DATA: &str = "_data";
const METADATA: &str = "volume.json";
/// Driver options dockerd's local driver knows.
const LOCAL_OPTIONS: &[&str] = &["type", "device", "o", "size"];

/// `volume.json`: what a volume is besides its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeRecord {
    pub name: String,
    pub driver: String,
    /// RFC 3339, seconds (as dockerd's local driver reports it).
    pub created_at: String,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub options: Option<BTreeMap<String, String>>,
}

/// What a new volume is made of (`POST /volumes/create`, or a container's mount).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewVolume {
    /// Empty: an anonymous volume gets a random 64-hex name.
    pub name: String,
    /// Empty means `local`.
    pub driver: String,
    pub labels: Option<BTreeMap<String, String>>,
    pub options: Option<BTreeMap<String, String>>,
}

/// The volumes directory of one data root.
pub struct VolumeStore {
    dir: PathBuf,
    /// Serializes create and remove, so a name is never half-created twice.
    lock: Mutex<()>,
}

impl VolumeStore {
    /// Opens (creating) `<data_root>/volumes` and removes leftovers of interrupted work.
    pub fn open(data_root: &Path) -> Result<VolumeStore> {
        let dir = data_root.join("volumes");
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o701)
            .create(&dir)
            .map_err(|e| StorageError::io(format!("create {}", dir.display()), e))?;
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| StorageError::io(format!("read {}", dir.display()), e))?;
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with('.') {
                remove_tree(&e.path())?;
            }
        }
        Ok(VolumeStore {
            dir,
            lock: Mutex::new(()),
        })
    }

    /// Where volume `name`'s data lives (its `Mountpoint`).
    pub fn mountpoint(&self, name: &str) -> PathBuf {
        self.dir.join(name).join(DATA)
    }

    /// Creates a volume, or returns the existing one of that name (`false`), as dockerd does.
    pub fn create(&self, new: &NewVolume) -> Result<(VolumeRecord, bool)> {
        let driver = if new.driver.is_empty() {
            LOCAL_DRIVER
        } else {
            new.driver.as_str()
        };
        if driver != LOCAL_DRIVER {
            return Err(StorageError::NotFound(format!(
                "error looking up volume plugin {driver}: plugin \"{driver}\" not found"
            )));
        }
        let name = if new.name.is_empty() {
            anonymous_volume_name()
        } else {
            new.name.clone()
        };
        validate_volume_name(&name)?;
        if let Some(options) = &new.options {
            validate_local_options(options)?;
        }
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        match self.get(&name) {
            Ok(existing) => return Ok((existing, false)),
            Err(StorageError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let record = VolumeRecord {
            name: name.clone(),
            driver: LOCAL_DRIVER.into(),
            created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            labels: new.labels.clone(),
            options: new.options.clone().filter(|o| !o.is_empty()),
        };
        let tmp = self.dir.join(format!(".tmp-{name}"));
        remove_tree(&tmp)?;
        let built = build_volume_dir(&tmp, &record);
        let renamed = built.and_then(|()| {
            std::fs::rename(&tmp, self.dir.join(&name))
                .map_err(|e| StorageError::io(format!("create volume {name}"), e))
        });
        if let Err(e) = renamed {
            let _ = remove_tree(&tmp);
            return Err(e);
        }
        sync_dir(&self.dir)?;
        Ok((record, true))
    }

    /// The volume `name`; dockerd's `get <name>: no such volume` when there is none.
    pub fn get(&self, name: &str) -> Result<VolumeRecord> {
        let no_such = || StorageError::NotFound(format!("get {name}: no such volume"));
        if validate_volume_name(name).is_err() {
            return Err(no_such());
        }
        let path = self.dir.join(name).join(METADATA);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_such()),
            Err(e) => return Err(StorageError::io(format!("read {}", path.display()), e)),
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| StorageError::InvalidArgument(format!("parse {}: {e}", path.display())))
    }

    /// Every volume, sorted by name; unreadable entries are skipped.
    pub fn list(&self) -> Result<Vec<VolumeRecord>> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| StorageError::io(format!("read {}", self.dir.display()), e))?;
        let mut out: Vec<VolumeRecord> = entries
            .flatten()
            .filter_map(|e| self.get(&e.file_name().to_string_lossy()).ok())
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Deletes volume `name` and its data; returns the bytes it held.
    pub fn remove(&self, name: &str) -> Result<u64> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.get(name)?;
        let size = self.size(name);
        let doomed = self.dir.join(format!(".rm-{name}"));
        remove_tree(&doomed)?;
        std::fs::rename(self.dir.join(name), &doomed)
            .map_err(|e| StorageError::io(format!("remove volume {name}"), e))?;
        sync_dir(&self.dir)?;
        remove_tree(&doomed)?;
        Ok(size)
    }

    /// Bytes used by a volume's data (hard links counted once), 0 if unreadable.
    pub fn size(&self, name: &str) -> u64 {
        tree_size(&self.mountpoint(name))
    }

    /// Whether a volume's data directory is empty (a new volume, before any copy-up).
    pub fn is_empty(&self, name: &str) -> Result<bool> {
        let data = self.mountpoint(name);
        let mut rd = std::fs::read_dir(&data)
            .map_err(|e| StorageError::io(format!("read {}", data.display()), e))?;
        Ok(rd.next().is_none())
    }
}

/// dockerd's local driver options: known keys, and `type`/`device` (and `o`) only together.
fn validate_local_options(options: &BTreeMap<String, String>) -> Result<()> {
    for key in options.keys() {
        if !LOCAL_OPTIONS.contains(&key.as_str()) {
            return Err(StorageError::InvalidArgument(format!(
                "invalid option key: {key:?}"
            )));
        }
    }
    let required: [(&str, &[&str]); 3] = [
        ("device", &["type"]),
        ("type", &["device"]),
        ("o", &["device", "type"]),
    ];
    for (key, needs) in required {
        if options.contains_key(key) {
            if let Some(missing) = needs.iter().find(|n| !options.contains_key(**n)) {
                return Err(StorageError::InvalidArgument(format!(
                    "missing required option: {missing:?}"
                )));
            }
        }
    }
    Ok(())
}

/// How a local volume with driver options is mounted: a filesystem (`type`, `device`, `o`) or a
/// bind of `device` (`o=bind`); `None` for a plain directory volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalVolumeMount {
    /// Bind-mount the host path `device` (read-only when `o` says `ro`).
    Bind { device: String, read_only: bool },
    /// Mount a filesystem: `mount -t <fs_type> -o <options> <device>`.
    Filesystem {
        fs_type: String,
        device: String,
        options: Vec<String>,
    },
}

impl VolumeRecord {
    /// The mount the volume's driver options describe, if any.
    pub fn local_mount(&self) -> Option<LocalVolumeMount> {
        local_volume_mount(self.options.as_ref())
    }
}

/// The mount local driver options (`type`, `device`, `o`, `size`) describe, if any.
pub fn local_volume_mount(options: Option<&BTreeMap<String, String>>) -> Option<LocalVolumeMount> {
    let options = options?;
    let fs_type = options.get("type")?.clone();
    let device = options.get("device")?.clone();
    let mut o: Vec<String> = options
        .get("o")
        .map(|o| {
            o.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(size) = options.get("size") {
        o.push(format!("size={size}"));
    }
    if o.iter().any(|x| x == "bind" || x == "rbind") {
        return Some(LocalVolumeMount::Bind {
            device,
            read_only: o.iter().any(|x| x == "ro"),
        });
    }
    Some(LocalVolumeMount::Filesystem {
        fs_type,
        device,
        options: o,
    })
}

fn build_volume_dir(dir: &Path, record: &VolumeRecord) -> Result<()> {
    let io = |what: &str, e| StorageError::io(format!("{what} {}", dir.display()), e);
    std::fs::DirBuilder::new()
        .mode(0o701)
        .create(dir)
        .map_err(|e| io("create", e))?;
    // dockerd's _data is 0755 root:root, so unprivileged container users can read it.
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(dir.join(DATA))
        .map_err(|e| io("create data of", e))?;
    let bytes = serde_json::to_vec_pretty(record)
        .map_err(|e| StorageError::InvalidArgument(format!("encode volume record: {e}")))?;
    let mut f =
        std::fs::File::create(dir.join(METADATA)).map_err(|e| io("write metadata of", e))?;
    f.write_all(&bytes)
        .map_err(|e| io("write metadata of", e))?;
    f.sync_all().map_err(|e| io("sync metadata of", e))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| StorageError::io(format!("sync {}", dir.display()), e))
}

/// Removes a tree without following symlinks; a missing path is fine.
fn remove_tree(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StorageError::io(format!("remove {}", path.display()), e)),
    }
}

fn tree_size(root: &Path) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(md) = e.path().symlink_metadata() else {
                continue;
            };
            if md.is_dir() {
                stack.push(e.path());
            } else if md.nlink() < 2 || seen.insert((md.dev(), md.ino())) {
                total += md.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> NewVolume {
        NewVolume {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn create_get_list_remove() {
        let root = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(root.path()).unwrap();
        let labels = BTreeMap::from([("env".to_string(), "test".to_string())]);
        let (v, created) = store
            .create(&NewVolume {
                labels: Some(labels.clone()),
                ..named("v1")
            })
            .unwrap();
        assert!(created);
        assert_eq!(v.driver, "local");
        assert_eq!(v.labels, Some(labels));
        assert!(store.mountpoint("v1").is_dir());
        assert!(store.is_empty("v1").unwrap());
        std::fs::write(store.mountpoint("v1").join("f"), "hello").unwrap();
        assert_eq!(store.size("v1"), 5);

        // Same name again: the existing volume, not a new one.
        let (again, created) = store.create(&named("v1")).unwrap();
        assert!(!created);
        assert_eq!(again, v);
        assert!(store.mountpoint("v1").join("f").exists());

        // Reopening reads the metadata back.
        let store = VolumeStore::open(root.path()).unwrap();
        assert_eq!(store.get("v1").unwrap(), v);
        store.create(&named("a2")).unwrap();
        let names: Vec<String> = store.list().unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["a2", "v1"]);

        assert_eq!(store.remove("v1").unwrap(), 5);
        assert!(!root.path().join("volumes/v1").exists());
        assert_eq!(
            store.get("v1").unwrap_err().to_string(),
            "get v1: no such volume"
        );
        assert_eq!(
            store.remove("v1").unwrap_err().to_string(),
            "get v1: no such volume"
        );
    }

    #[test]
    fn anonymous_volumes_get_hex_names() {
        let root = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(root.path()).unwrap();
        let (v, _) = store.create(&NewVolume::default()).unwrap();
        assert_eq!(v.name.len(), 64);
        assert!(store.mountpoint(&v.name).is_dir());
    }

    #[test]
    fn refuses_bad_names_drivers_and_options() {
        let root = tempfile::tempdir().unwrap();
        let store = VolumeStore::open(root.path()).unwrap();
        let e = store.create(&named("../x")).unwrap_err();
        assert_eq!(
            errdefs::HasKind::kind(&e),
            errdefs::ErrorKind::InvalidArgument
        );
        let e = store
            .create(&NewVolume {
                driver: "nfs".into(),
                ..named("v")
            })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"error looking up volume plugin nfs: plugin "nfs" not found"#
        );
        assert_eq!(errdefs::HasKind::kind(&e), errdefs::ErrorKind::NotFound);
        let e = store
            .create(&NewVolume {
                options: Some(BTreeMap::from([("bogus".into(), "1".into())])),
                ..named("vv")
            })
            .unwrap_err();
        assert_eq!(e.to_string(), r#"invalid option key: "bogus""#);
        let e = store
            .create(&NewVolume {
                options: Some(BTreeMap::from([("o".into(), "size=1m".into())])),
                ..named("vv")
            })
            .unwrap_err();
        assert_eq!(e.to_string(), r#"missing required option: "device""#);
        // A lookup of a path-like name never reads outside the store.
        assert!(store.get("../../etc").is_err());
    }

    #[test]
    fn driver_options_describe_the_mount() {
        let rec = |opts: &[(&str, &str)]| VolumeRecord {
            name: "v".into(),
            driver: "local".into(),
            created_at: String::new(),
            labels: None,
            options: Some(
                opts.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        };
        assert_eq!(rec(&[]).local_mount(), None);
        assert_eq!(
            rec(&[
                ("type", "tmpfs"),
                ("device", "tmpfs"),
                ("o", "size=2m,uid=1000")
            ])
            .local_mount(),
            Some(LocalVolumeMount::Filesystem {
                fs_type: "tmpfs".into(),
                device: "tmpfs".into(),
                options: vec!["size=2m".into(), "uid=1000".into()],
            })
        );
        assert_eq!(
            rec(&[("type", "none"), ("device", "/srv/x"), ("o", "bind,ro")]).local_mount(),
            Some(LocalVolumeMount::Bind {
                device: "/srv/x".into(),
                read_only: true
            })
        );
    }

    #[test]
    fn open_removes_interrupted_work() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("volumes/.tmp-x/_data")).unwrap();
        std::fs::create_dir_all(root.path().join("volumes/.rm-y")).unwrap();
        let store = VolumeStore::open(root.path()).unwrap();
        assert!(store.list().unwrap().is_empty());
        assert_eq!(
            std::fs::read_dir(root.path().join("volumes"))
                .unwrap()
                .count(),
            0
        );
    }
}
