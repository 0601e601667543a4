//! The image store: configs in `content/blobs/sha256`, layers in `layers/<chainid>`, names in
//! `images/repositories.json`, and one `images/db/<id-hex>` record per image.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::changes::apply_changes;
use crate::config::{ContainerConfig, History, ImageConfig, RootFs};
use crate::digest::{chain_ids, ImageId};
use crate::error::{ImageError, Result};
use crate::layer_gc::{LayerGcHooks, LeaseTable};
use crate::layer_store::LayerStore;
use crate::reference::{is_full_hex_id, validate_digest, Reference};

/// An image as the daemon sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub id: ImageId,
    /// Familiar names with tags, e.g. `busybox:latest`, sorted.
    pub repo_tags: Vec<String>,
    /// Familiar names with digests, e.g. `localhost:5000/app@sha256:…`, sorted.
    pub repo_digests: Vec<String>,
    pub config: ImageConfig,
    /// The image this one was committed on top of, if it was made locally.
    pub parent: Option<ImageId>,
    /// Chain ids of the layers, bottom first (`sha256:<hex>`).
    pub chain_ids: Vec<String>,
    /// Sum of the layers' unpacked sizes in bytes.
    pub size: u64,
}

impl Image {
    /// `created` as Unix seconds.
    pub fn created_unix(&self) -> i64 {
        self.config.created_unix()
    }

    /// The image's labels (empty when it has none).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.config.labels()
    }
}

/// `images/db/<id-hex>`: what berth knows about an image beyond its config.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ImageRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<ImageId>,
}

/// An image loaded in memory.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) config: ImageConfig,
    pub(crate) parent: Option<ImageId>,
    pub(crate) chain_ids: Vec<String>,
    pub(crate) size: u64,
}

pub(crate) struct State {
    pub(crate) images: BTreeMap<ImageId, Entry>,
    /// Full reference (`docker.io/library/busybox:latest`) → image.
    pub(crate) repositories: BTreeMap<String, ImageId>,
    /// Layers of images recorded in `images/db` that failed to load: kept from the collector.
    pub(crate) unloaded_chains: HashSet<String>,
    /// Layers of images force-deleted while a container used them (in memory: after a restart
    /// the startup collection finds them).
    pub(crate) kept_for_containers: HashSet<String>,
}

impl State {
    /// The references (tags and digests) that point at `id`.
    pub(crate) fn references_of(&self, id: &ImageId) -> Vec<Reference> {
        self.repositories
            .iter()
            .filter(|(_, v)| *v == id)
            .filter_map(|(k, _)| Reference::parse(k).ok())
            .collect()
    }

    /// Whether an image was committed on top of `id`.
    pub(crate) fn has_children(&self, id: &ImageId) -> bool {
        self.images.values().any(|e| e.parent.as_ref() == Some(id))
    }
}

/// The image store under a data root. Share it in an `Arc`; every method blocks (file I/O) and is
/// serialised by an internal mutex, so call it from `spawn_blocking` in async code.
pub struct ImageStore {
    root: PathBuf,
    blobs: PathBuf,
    db: PathBuf,
    repositories_file: PathBuf,
    pub(crate) layers: LayerStore,
    state: Mutex<State>,
    /// In-flight operations' layers (`layer_gc.rs`); locked after `state` when both are needed.
    pub(crate) leases: Arc<Mutex<LeaseTable>>,
    pub(crate) gc_hooks: RwLock<Option<Arc<dyn LayerGcHooks>>>,
}

impl ImageStore {
    /// Opens (creating if needed) the store under `data_root` and loads every image.
    pub fn open(data_root: &Path) -> Result<ImageStore> {
        let blobs = data_root.join("content/blobs/sha256");
        let db = data_root.join("images/db");
        for dir in [&blobs, &db] {
            fs_err::create_dir_all(dir).map_err(|e| ImageError::io("create image store", e))?;
        }
        let layers = LayerStore::open(data_root)?;
        let repositories_file = data_root.join("images/repositories.json");
        let repositories: BTreeMap<String, ImageId> = match fs_err::read(&repositories_file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ImageError::Corrupt(format!("{}: {e}", repositories_file.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(ImageError::io("read repositories.json", e)),
        };
        let store = ImageStore {
            root: data_root.to_path_buf(),
            blobs,
            db,
            repositories_file,
            layers,
            state: Mutex::new(State {
                images: BTreeMap::new(),
                repositories,
                unloaded_chains: HashSet::new(),
                kept_for_containers: HashSet::new(),
            }),
            leases: Arc::default(),
            gc_hooks: RwLock::new(None),
        };
        let mut images = BTreeMap::new();
        let mut unloaded_chains = HashSet::new();
        let entries =
            fs_err::read_dir(&store.db).map_err(|e| ImageError::io("read image db", e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_full_hex_id(&name) {
                continue; // temp files of an interrupted write
            }
            let Ok(id) = ImageId::parse(&name) else {
                continue;
            };
            // An image whose config or layers are damaged is left out rather than failing the daemon.
            match store.load_entry(&id) {
                Ok(loaded) => {
                    images.insert(id, loaded);
                }
                // What is left of it is not the layer collector's to take (a read error may pass).
                Err(_) => unloaded_chains.extend(
                    store
                        .read_config_blob(&id)
                        .ok()
                        .and_then(|bytes| ImageConfig::from_bytes(&bytes).ok())
                        .map(|config| chain_ids(&config.rootfs.diff_ids))
                        .unwrap_or_default(),
                ),
            }
        }
        {
            let mut state = store.lock();
            state.repositories.retain(|_, id| images.contains_key(id));
            state.images = images;
            state.unloaded_chains = unloaded_chains;
        }
        Ok(store)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent on-disk state; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn load_entry(&self, id: &ImageId) -> Result<Entry> {
        let record_bytes = fs_err::read(self.db.join(id.hex()))
            .map_err(|e| ImageError::io("read image record", e))?;
        let record: ImageRecord = serde_json::from_slice(&record_bytes)
            .map_err(|e| ImageError::Corrupt(format!("image {id}: {e}")))?;
        let bytes = self.read_config_blob(id)?;
        if ImageId::of_config(&bytes) != *id {
            return Err(ImageError::Corrupt(format!(
                "config of {id} does not match its digest"
            )));
        }
        let config = ImageConfig::from_bytes(&bytes)?;
        let chain_ids = chain_ids(&config.rootfs.diff_ids);
        let mut size = 0;
        for chain in &chain_ids {
            size += self.layers.record(chain)?.size;
        }
        Ok(Entry {
            config,
            parent: record.parent,
            chain_ids,
            size,
        })
    }

    pub(crate) fn read_config_blob(&self, id: &ImageId) -> Result<Vec<u8>> {
        fs_err::read(self.blobs.join(id.hex()))
            .map_err(|e| ImageError::io(format!("read config of {id}"), e))
    }

    /// `content/blobs/sha256`: image configs (and the engine's verified layer blobs).
    pub(crate) fn blobs_dir(&self) -> &Path {
        &self.blobs
    }

    /// Whether `images/db/<hex>` exists (an image that failed to load keeps its config).
    pub(crate) fn has_record(&self, hex: &str) -> bool {
        is_full_hex_id(hex) && self.db.join(hex).exists()
    }

    /// The data root this store lives in.
    pub fn data_root(&self) -> &Path {
        &self.root
    }

    /// Imports a rootfs tar (plain or gzip; GNU tar, `tar` crate or `docker export` output) as a
    /// one-layer image (`docker import`). `message` becomes the config's `comment` and history
    /// comment (dockerd uses `Imported from -` when the user gave none: pass that); `changes` are
    /// `--change` instructions; `tag` is tagged on success (`latest` when it has no tag).
    pub fn import(
        &self,
        reader: impl Read,
        message: &str,
        changes: &[String],
        tag: Option<&Reference>,
    ) -> Result<ImageId> {
        let mut container_config = ContainerConfig::default();
        apply_changes(&mut container_config, changes)?;
        let tag = tag.map(checked_tag).transpose()?;

        let layer = self.layers.unpack(reader, None)?;
        let diff_id = layer.record.diff_id.clone();
        let created = now_rfc3339();
        let config = ImageConfig {
            architecture: go_arch().to_string(),
            os: "linux".to_string(),
            created: Some(created.clone()),
            comment: message.to_string(),
            config: container_config,
            rootfs: RootFs {
                kind: "layers".to_string(),
                diff_ids: vec![diff_id],
            },
            history: vec![History {
                created: Some(created),
                comment: message.to_string(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let bytes = config.to_bytes()?;

        let mut state = self.lock();
        self.layers.commit(layer)?;
        let id = self.add_image_locked(&mut state, &bytes, None)?;
        if let Some(tag) = tag {
            state.repositories.insert(tag.to_string(), id.clone());
            self.save_repositories(&state)?;
        }
        Ok(id)
    }

    /// Forgets an image: its record, its config blob and its in-memory entry (not its layers).
    pub(crate) fn remove_image_locked(&self, state: &mut State, id: &ImageId) -> Option<Entry> {
        let entry = state.images.remove(id)?;
        let _ = std::fs::remove_file(self.db.join(id.hex()));
        let _ = std::fs::remove_file(self.blobs.join(id.hex()));
        Some(entry)
    }

    /// Stores a config blob whose layers are all present and records the image.
    pub(crate) fn add_image_locked(
        &self,
        state: &mut State,
        config_bytes: &[u8],
        parent: Option<ImageId>,
    ) -> Result<ImageId> {
        let id = ImageId::of_config(config_bytes);
        let blob = self.blobs.join(id.hex());
        if !blob.exists() {
            write_atomic(&blob, config_bytes)?;
        }
        let record = ImageRecord { parent };
        let record_bytes =
            serde_json::to_vec(&record).map_err(|e| ImageError::Corrupt(e.to_string()))?;
        write_atomic(&self.db.join(id.hex()), &record_bytes)?;
        let entry = self.load_entry(&id)?;
        state.images.insert(id.clone(), entry);
        Ok(id)
    }

    pub(crate) fn save_repositories(&self, state: &State) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&state.repositories)
            .map_err(|e| ImageError::Corrupt(e.to_string()))?;
        write_atomic(&self.repositories_file, &bytes)
    }

    /// Finds an image by reference, `sha256:<hex>`, full hex id or unique id prefix, like dockerd's
    /// `GetImage`. Unknown → [`ImageError::NotFound`] (`No such image: nope:latest`).
    pub fn resolve(&self, name_or_id: &str) -> Result<Image> {
        let state = self.lock();
        let id = resolve_locked(&state, name_or_id)?;
        Ok(image_view(&state, &id))
    }

    /// Same as [`ImageStore::resolve`]; named for the API call it serves.
    pub fn inspect(&self, name_or_id: &str) -> Result<Image> {
        self.resolve(name_or_id)
    }

    /// Every image, newest first.
    pub fn list(&self) -> Result<Vec<Image>> {
        let state = self.lock();
        let mut images: Vec<Image> = state
            .images
            .keys()
            .map(|id| image_view(&state, id))
            .collect();
        images.sort_by(|a, b| {
            b.created_unix()
                .cmp(&a.created_unix())
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(images)
    }

    /// The exact stored config bytes of an image (for `save` and anything that needs the digest).
    pub fn config_bytes(&self, id: &ImageId) -> Result<Vec<u8>> {
        let state = self.lock();
        if !state.images.contains_key(id) {
            return Err(ImageError::NotFound(id.to_string()));
        }
        self.read_config_blob(id)
    }

    /// Points `target` (no tag → `latest`) at the image `source` names (`docker tag`).
    pub fn tag(&self, source: &str, target: &Reference) -> Result<()> {
        let target = checked_tag(target)?;
        let mut state = self.lock();
        let id = resolve_locked(&state, source)?;
        state.repositories.insert(target.to_string(), id);
        self.save_repositories(&state)
    }

    /// Removes one reference (no tag → `latest`); returns the image it pointed to. The image stays.
    pub fn untag(&self, reference: &Reference) -> Result<ImageId> {
        let reference = reference.with_default_tag();
        let mut state = self.lock();
        let id = state
            .repositories
            .remove(&reference.to_string())
            .ok_or_else(|| ImageError::NotFound(reference.familiar()))?;
        self.save_repositories(&state)?;
        Ok(id)
    }

    /// The image's layer `diff` directories, top-most first (overlay's `lowerdir` order).
    pub fn layer_dirs(&self, image: &Image) -> Result<Vec<PathBuf>> {
        image
            .chain_ids
            .iter()
            .rev()
            .map(|chain| self.layers.diff_dir(chain))
            .collect()
    }

    /// Writes the exact uncompressed tar a layer was made from, for `save` and `push`: its sha256 is
    /// the layer's diff id. `chain_id` is one of [`Image::chain_ids`].
    pub fn layer_tar(&self, chain_id: &str, out: &mut dyn std::io::Write) -> Result<u64> {
        {
            let state = self.lock();
            if !state
                .images
                .values()
                .any(|e| e.chain_ids.iter().any(|c| c == chain_id))
            {
                return Err(ImageError::NotFound(format!("layer {chain_id}")));
            }
        }
        self.layers.write_tar(chain_id, out)
    }

    /// The unpacked size of an image in bytes.
    pub fn size(&self, image: &Image) -> u64 {
        image.size
    }
}

/// A tag target: `latest` when the reference has no tag; digests cannot be tagged.
pub(crate) fn checked_tag(reference: &Reference) -> Result<Reference> {
    if reference.digest().is_some() {
        return Err(ImageError::InvalidArgument(
            "refusing to create a tag with a digest reference".to_string(),
        ));
    }
    Ok(reference.with_default_tag())
}

pub(crate) fn resolve_locked(state: &State, name_or_id: &str) -> Result<ImageId> {
    let by_id = |hex: &str, shown: &str| -> Result<ImageId> {
        let id = ImageId::parse(hex)?;
        if state.images.contains_key(&id) {
            Ok(id)
        } else {
            Err(ImageError::NotFound(shown.to_string()))
        }
    };
    if is_full_hex_id(name_or_id) {
        return by_id(name_or_id, &format!("sha256:{name_or_id}"));
    }
    if let Some(hex) = name_or_id.strip_prefix("sha256:") {
        if validate_digest(name_or_id).is_ok() {
            return by_id(hex, name_or_id);
        }
        return search_prefix(state, hex)
            .ok_or_else(|| ImageError::NotFound(name_or_id.to_string()));
    }
    let reference = Reference::parse(name_or_id)?.with_default_tag();
    if let Some(id) = state.repositories.get(&reference.to_string()) {
        return Ok(id.clone());
    }
    search_prefix(state, name_or_id).ok_or_else(|| ImageError::NotFound(reference.familiar()))
}

/// The one image whose hex id starts with `prefix`; none when absent or ambiguous.
fn search_prefix(state: &State, prefix: &str) -> Option<ImageId> {
    if prefix.is_empty()
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut matches = state
        .images
        .keys()
        .filter(|id| id.hex().starts_with(prefix));
    let first = matches.next()?;
    if matches.next().is_some() {
        return None;
    }
    Some(first.clone())
}

fn image_view(state: &State, id: &ImageId) -> Image {
    let entry = &state.images[id];
    let mut repo_tags = Vec::new();
    let mut repo_digests = Vec::new();
    for (key, target) in &state.repositories {
        if target != id {
            continue;
        }
        if let Ok(r) = Reference::parse(key) {
            if r.digest().is_some() {
                repo_digests.push(r.familiar());
            } else {
                repo_tags.push(r.familiar());
            }
        }
    }
    Image {
        id: id.clone(),
        repo_tags,
        repo_digests,
        config: entry.config.clone(),
        parent: entry.parent.clone(),
        chain_ids: entry.chain_ids.clone(),
        size: entry.size,
    }
}

/// Now as RFC 3339 with nanoseconds in UTC, as dockerd writes `created`.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The Go name of this machine's architecture, as image configs carry it.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}
