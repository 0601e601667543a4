//! Removing what a container left on the host (its directory, shim socket and cgroups), and
//! what nothing references any more (image layers, see `image::LayerGcHooks`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use tokio::sync::broadcast;

use crate::engine::{Engine, Inner};
use crate::ingest::STALE_PARTIAL_AGE;
use crate::layer_view::LayerView;

/// Removes the container's cgroup (every v1 controller and the v2 tree), then its parent if empty.
/// Best effort: the shim normally removes it first.
pub fn remove_cgroup(cgroups_path: &str) {
    let rel = cgroups_path.trim_start_matches('/');
    if rel.is_empty() {
        return;
    }
    let root = Path::new("/sys/fs/cgroup");
    let mut bases = vec![root.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                bases.push(e.path());
            }
        }
    }
    for base in bases {
        let dir = base.join(rel);
        if dir.is_dir() {
            let _ = std::fs::remove_dir(&dir);
        }
        // The per-daemon parent (`/<cgroup-parent>`) goes away with its last container.
        if let Some(parent) = dir.parent() {
            if parent != base && parent.starts_with(&base) {
                let _ = std::fs::remove_dir(parent);
            }
        }
    }
}

/// Removes a directory tree, ignoring "already gone". A shim that is exiting may still add a file
/// (its exit record) while the tree is removed, so "not empty" is retried for a short while.
pub fn remove_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut attempts = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// The engine's side of the image store's layer collector (`image::LayerGcHooks`): which layers
/// containers mount, and what to forget once layers are gone.
pub(crate) struct LayerGcHooks {
    containers_dir: PathBuf,
    /// Weak: the image store (inside `Inner`) holds these hooks.
    inner: Weak<Inner>,
}

impl LayerGcHooks {
    pub(crate) fn new(engine: &Engine) -> LayerGcHooks {
        LayerGcHooks {
            containers_dir: engine.paths().containers_dir(),
            inner: Arc::downgrade(&engine.inner),
        }
    }
}

impl image::LayerGcHooks for LayerGcHooks {
    /// Read from every container's `config.json` (the overlay annotation), not from the in-memory
    /// registry: a container whose record is being written or removed still has its bundle.
    fn mounted_layer_dirs(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut dirs = Vec::new();
        for entry in std::fs::read_dir(&self.containers_dir)? {
            let bundle = entry?.path();
            if !bundle.join("config.json").exists() {
                // A create that has not written its spec yet uses an image that still exists.
                continue;
            }
            let view =
                LayerView::load(&bundle).map_err(|e| std::io::Error::other(e.to_string()))?;
            for lower in view.lowers {
                // `l/<n>` short links (long lower dir lists) resolve to the layers' diff dirs.
                dirs.push(std::fs::canonicalize(&lower).unwrap_or(lower));
            }
        }
        Ok(dirs)
    }

    /// Registry blobs known for a diff id no layer has any more are not needed: forget them and
    /// delete a verified copy a crash left in the content store.
    fn layers_removed(&self, removed: &[image::RemovedLayer]) {
        let Some(inner) = self.inner.upgrade() else {
            return;
        };
        let released: Vec<String> = removed
            .iter()
            .filter(|l| l.diff_id_released)
            .map(|l| l.diff_id.clone())
            .collect();
        if released.is_empty() {
            return;
        }
        let distribution = &inner.distribution;
        for diff_id in &released {
            for source in distribution.sources.get(diff_id) {
                distribution.ingest.remove_verified(&source.digest);
            }
        }
        distribution.sources.forget(&released);
        tracing::debug!(layers = removed.len(), "unreferenced layers removed");
    }
}

impl Engine {
    /// Releases layers kept for containers when the container goes: on every container `destroy`
    /// event (the bus is the one place every removal path passes), the layers of images
    /// force-deleted while a container used them are collected. Ends with the engine's event bus.
    pub(crate) fn release_layers_on_container_removal(&self) {
        let mut events = self.events().subscribe();
        let store = self.inner.images.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) if e.kind == "container" && e.action == "destroy" => {}
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
                let store = store.clone();
                let _ =
                    tokio::task::spawn_blocking(move || store.collect_layers_kept_for_containers())
                        .await;
            }
        });
    }

    /// Installs the layer collector's hooks and removes what a crash left unreferenced: layers
    /// and verified blobs older than a day (younger ones let an interrupted pull resume, the same
    /// rule as `content/ingest` partials). Startup only.
    pub(crate) async fn collect_crash_leftovers(&self) {
        let store = self.inner.images.clone();
        store.set_gc_hooks(Arc::new(LayerGcHooks::new(self)));
        let done = tokio::task::spawn_blocking(move || {
            let layers = store.collect_unused_layers(Some(STALE_PARTIAL_AGE));
            let blobs = store.remove_stale_blobs(STALE_PARTIAL_AGE);
            (layers.len(), blobs)
        })
        .await;
        match done {
            Ok((0, 0)) => {}
            Ok((layers, blobs)) => {
                tracing::info!("removed {layers} unreferenced layers and {blobs} stale blobs")
            }
            Err(e) => tracing::warn!("collecting unreferenced layers: {e}"),
        }
    }
}
