//! Reference-counted layers and the collector that follows the references.
//!
//! A layer (`layers/<chain>`) is referenced while
//! - some image's rootfs chain includes it (also an image recorded in `images/db` that failed to
//!   load),
//! - an in-flight operation holds it in a [`LayerLease`] (a pull or load between committing its
//!   first layer and adding its image), or
//! - a container mounts it as an overlay lower dir ([`LayerGcHooks::mounted_layer_dirs`]: an image
//!   force-deleted while a container uses it keeps its layers until the container is gone).
//!
//! Everything else is garbage. A collection decides and renames (`layers/tmp-gc-…`) under the store
//! lock and the lease table's lock, so a lease taken concurrently either sees the layer gone or keeps
//! it; the slow recursive delete happens after both locks are released.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::store::{ImageStore, State};

/// What the owner of the store (the engine) knows about layers that the store does not.
pub trait LayerGcHooks: Send + Sync {
    /// The overlay lower dirs of every existing container, symlinks resolved (or as the store
    /// returned them from `layer_dirs`). Called with the store lock held: must not call the store.
    /// An error keeps every layer (a container whose layers are unknown must not lose them).
    fn mounted_layer_dirs(&self) -> std::io::Result<Vec<PathBuf>>;

    /// Called after layers were deleted, without the store lock (e.g. to forget registry blobs
    /// that only these layers needed).
    fn layers_removed(&self, removed: &[RemovedLayer]);
}

/// A layer the collector deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedLayer {
    pub chain_id: String,
    /// Empty when the layer's metadata was unreadable.
    pub diff_id: String,
    /// Bytes of regular-file content (as [`ImageStore::layer_size`] says).
    pub size: u64,
    /// No remaining layer has this diff id: blobs known for it are not needed any more.
    pub diff_id_released: bool,
}

/// Chain ids an in-flight operation is using. Dropping it releases them (a successful operation
/// drops it after its image is added; a failed one passes it to [`ImageStore::abandon`]).
#[derive(Debug)]
pub struct LayerLease {
    table: Arc<Mutex<LeaseTable>>,
    id: u64,
}

impl Drop for LayerLease {
    fn drop(&mut self) {
        lock_table(&self.table).leases.remove(&self.id);
    }
}

#[derive(Debug, Default)]
struct Held {
    chains: HashSet<String>,
    /// The held chains that were not stored when they were held: the operation's own additions.
    added: Vec<String>,
}

/// Every live lease, shared by the store and its [`LayerLease`] guards.
#[derive(Debug, Default)]
pub(crate) struct LeaseTable {
    next_id: u64,
    leases: HashMap<u64, Held>,
}

impl LeaseTable {
    fn holds(&self, chain: &str) -> bool {
        self.leases.values().any(|h| h.chains.contains(chain))
    }
}

fn lock_table(table: &Mutex<LeaseTable>) -> MutexGuard<'_, LeaseTable> {
    // The table stays consistent whatever panicked while holding it.
    table.lock().unwrap_or_else(|p| p.into_inner())
}

/// Layers detached from `layers/<chain>` under the locks, to be deleted after them.
pub(crate) struct Sweep {
    removed: Vec<RemovedLayer>,
    detached: Vec<PathBuf>,
}

impl ImageStore {
    /// Starts an operation that adds layers: hold its chain ids with [`ImageStore::hold_layers`]
    /// before looking at or committing any of them.
    pub fn lease(&self) -> LayerLease {
        let mut table = lock_table(&self.leases);
        table.next_id += 1;
        let id = table.next_id;
        table.leases.insert(id, Held::default());
        LayerLease {
            table: Arc::clone(&self.leases),
            id,
        }
    }

    /// Holds `chains` for `lease` so no collection removes them, and says which of them are
    /// stored already (a pull skips those). Those not stored yet are the operation's own: if it
    /// fails, [`ImageStore::abandon`] removes the ones it committed.
    pub fn hold_layers(&self, lease: &LayerLease, chains: &[String]) -> Vec<bool> {
        let mut table = lock_table(&self.leases);
        // Checked under the table's lock: a collection detaches layers while holding it, so a
        // layer seen here stays until the lease is dropped.
        let present: Vec<bool> = chains.iter().map(|c| self.has_layer(c)).collect();
        if let Some(held) = table.leases.get_mut(&lease.id) {
            for (chain, here) in chains.iter().zip(&present) {
                if held.chains.insert(chain.clone()) && !here {
                    held.added.push(chain.clone());
                }
            }
        }
        present
    }

    /// A failed operation: ends `lease` now (dropping it later does nothing more) and removes the
    /// layers it added that nothing else references (no image, no other lease, no container).
    /// Call once nothing of the operation can commit a layer any more. Returns their chain ids.
    pub fn abandon(&self, lease: &LayerLease) -> Vec<String> {
        let state = self.lock();
        let added = lock_table(&self.leases)
            .leases
            .remove(&lease.id)
            .map(|h| h.added)
            .unwrap_or_default();
        let sweep = self.sweep_locked(&state, added.into_iter().rev(), None, &HashSet::new());
        drop(state);
        self.finish_sweep(sweep)
            .into_iter()
            .map(|r| r.chain_id)
            .collect()
    }

    /// Removes every layer that no image references, no lease holds and no container mounts.
    /// `min_age`: only layers committed at least that long ago (startup keeps a crashed pull's
    /// recent layers so the next pull resumes instead of downloading them again).
    pub fn collect_unused_layers(&self, min_age: Option<Duration>) -> Vec<RemovedLayer> {
        let state = self.lock();
        let all = self.layers.all().unwrap_or_default();
        let sweep = self.sweep_locked(&state, all.into_iter(), min_age, &HashSet::new());
        drop(state);
        self.finish_sweep(sweep)
    }

    /// A container was removed: the layers `delete` kept for containers when their image was
    /// force-deleted go unless something still references them (dockerd releases them with the
    /// container's writable layer). Other unreferenced layers are left alone.
    pub fn collect_layers_kept_for_containers(&self) -> Vec<RemovedLayer> {
        let mut state = self.lock();
        if state.kept_for_containers.is_empty() {
            return Vec::new();
        }
        let kept: Vec<String> = state.kept_for_containers.iter().cloned().collect();
        let sweep = self.sweep_locked(&state, kept.into_iter(), None, &HashSet::new());
        state
            .kept_for_containers
            .retain(|chain| self.has_layer(chain));
        drop(state);
        self.finish_sweep(sweep)
    }

    /// Tells the store about containers' layers and wants to hear about removals. Set once, by the
    /// engine, before the first collection; without hooks no container holds a layer.
    pub fn set_gc_hooks(&self, hooks: Arc<dyn LayerGcHooks>) {
        *self.gc_hooks.write().unwrap_or_else(|p| p.into_inner()) = Some(hooks);
    }

    /// Deletes files in `content/blobs/sha256` that are no image's config and were not modified
    /// for `max_age`: layer blobs a crashed pull verified but never unpacked, temp files of an
    /// interrupted write (startup, with the same age as ingest partials). Returns how many.
    pub fn remove_stale_blobs(&self, max_age: Duration) -> usize {
        let state = self.lock();
        let now = std::time::SystemTime::now();
        let mut removed = 0;
        for entry in std::fs::read_dir(self.blobs_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if state.images.keys().any(|id| id.hex() == name) || self.has_record(&name) {
                continue;
            }
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age >= max_age);
            if old && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// Unpacked size of every stored layer, by chain id (prune's reclaimed space).
    pub fn stored_layer_sizes(&self) -> BTreeMap<String, u64> {
        self.layers
            .all()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|chain| {
                let size = self.layers.record(&chain).ok()?.size;
                Some((chain, size))
            })
            .collect()
    }

    fn hooks(&self) -> Option<Arc<dyn LayerGcHooks>> {
        self.gc_hooks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Detaches the unreferenced layers among `candidates` (in that order), skipping `keep`.
    /// Call with the store lock held (`state`); the lease table is locked here, after it.
    pub(crate) fn sweep_locked(
        &self,
        state: &State,
        candidates: impl Iterator<Item = String>,
        min_age: Option<Duration>,
        keep: &HashSet<String>,
    ) -> Sweep {
        let mut sweep = Sweep {
            removed: Vec::new(),
            detached: Vec::new(),
        };
        let mounted: HashSet<String> = match self.hooks().map(|h| h.mounted_layer_dirs()) {
            None => HashSet::new(),
            Some(Ok(dirs)) => dirs
                .iter()
                .filter_map(|d| self.layers.chain_of_diff_dir(d))
                .collect(),
            Some(Err(_)) => return sweep,
        };
        let referenced: HashSet<&String> = state
            .images
            .values()
            .flat_map(|e| e.chain_ids.iter())
            .chain(&state.unloaded_chains)
            .collect();
        let table = lock_table(&self.leases);
        let mut seen = HashSet::new();
        for chain in candidates {
            if !seen.insert(chain.clone())
                || keep.contains(&chain)
                || referenced.contains(&chain)
                || mounted.contains(&chain)
                || table.holds(&chain)
            {
                continue;
            }
            if let Some(min_age) = min_age {
                // A layer whose age is unknown (no layer.json) is a damaged leftover: it goes.
                if self.layers.age(&chain).is_some_and(|age| age < min_age) {
                    continue;
                }
            }
            let record = self.layers.record(&chain).ok();
            let Ok(Some(doomed)) = self.layers.detach(&chain) else {
                continue; // gone already, or it cannot be renamed: left for the next collection
            };
            sweep.detached.push(doomed);
            sweep.removed.push(RemovedLayer {
                chain_id: chain,
                diff_id: record
                    .as_ref()
                    .map(|r| r.diff_id.clone())
                    .unwrap_or_default(),
                size: record.map(|r| r.size).unwrap_or(0),
                diff_id_released: false,
            });
        }
        sweep
    }

    /// Deletes what [`ImageStore::sweep_locked`] detached (call without the store lock), works
    /// out which diff ids no layer has any more, and tells the hooks.
    pub(crate) fn finish_sweep(&self, sweep: Sweep) -> Vec<RemovedLayer> {
        let Sweep {
            mut removed,
            detached,
        } = sweep;
        for dir in &detached {
            crate::layer_store::LayerStore::purge(dir);
        }
        if removed.is_empty() {
            return removed;
        }
        // Unknown when the layers cannot be listed: then no diff id counts as released.
        if let Ok(chains) = self.layers.all() {
            let remaining: HashSet<String> = chains
                .iter()
                .filter_map(|chain| self.layers.record(chain).ok())
                .map(|r| r.diff_id)
                .collect();
            for layer in &mut removed {
                layer.diff_id_released =
                    !layer.diff_id.is_empty() && !remaining.contains(&layer.diff_id);
            }
        }
        if let Some(hooks) = self.hooks() {
            hooks.layers_removed(&removed);
        }
        removed
    }
}
