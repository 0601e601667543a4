//! `docker cp`: `HEAD`/`GET`/`PUT /containers/{id}/archive` over storage's [`ContainerRoot`].
//!
//! A container whose init exists (running, paused, or created and waiting for start) is reached
//! through `/proc/<init pid>/root`, so its volumes and bind mounts are seen as the container
//! sees them. A stopped container's layers are mounted as a detached overlay (no host mount),
//! with the binds of its `config.json` (volumes, `-v` binds) attached inside that detached tree
//! as dockerd mounts them for the copy: read-only layers for reads; for a write the container's
//! lock is held so it cannot start while its upper dir is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::Stream;
pub use storage::PathStat;
use storage::{ContainerFileError, ContainerRoot, ExtractOptions, MountKind};
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::handle::Entry;
use crate::layer_view::LayerView;
use crate::logs::LogStream;
use crate::spec::OVERLAY_ANNOTATION;

/// Query options of `PUT /containers/{id}/archive`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtractToDirOptions {
    /// `noOverwriteDirNonDir`: never replace a directory with a non-directory or the reverse.
    pub no_overwrite_dir_non_dir: bool,
    /// `copyUIDGID`: files are owned by the container's `User` (when set) instead of the tar's
    /// uid/gid, as dockerd's `tarCopyOptions`.
    pub copy_uid_gid: bool,
}

/// Maps a storage error to dockerd's messages (`name` as the client gave it).
fn file_error(err: ContainerFileError, path: &str, name: &str) -> EngineError {
    match err {
        ContainerFileError::NotFound => EngineError::Storage(storage::StorageError::NotFound(
            format!("Could not find the file {path} in container {name}"),
        )),
        ContainerFileError::NotADirectory => {
            EngineError::InvalidArgument("extraction point is not a directory".to_string())
        }
        ContainerFileError::Extract(e) => EngineError::Image(e),
        ContainerFileError::Io { context, source } => EngineError::Io { context, source },
    }
}

fn join_error(e: tokio::task::JoinError) -> EngineError {
    EngineError::Internal(format!("cp task failed: {e}"))
}

/// The overlay mount data the runtime mounts for this container (`config.json` annotation).
fn overlay_mount_data(bundle: &Path) -> Result<String> {
    let spec_path = bundle.join("config.json");
    let bytes = std::fs::read(&spec_path)
        .map_err(|e| EngineError::io(format!("read {}", spec_path.display()), e))?;
    let spec: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::Internal(format!("parse {}: {e}", spec_path.display())))?;
    spec.get("annotations")
        .and_then(|a| a.get(OVERLAY_ANNOTATION))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            EngineError::Internal(format!(
                "container {} has no overlay root filesystem",
                bundle.display()
            ))
        })
}

/// `path` cleaned the way dockerd joins it onto `/` (`..` stops at the root).
fn clean_abs(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The container's init pid when its root is reachable through `/proc` (running, paused or
/// created), else `None`.
fn live_pid(entry: &Entry) -> Option<i64> {
    let state = &entry.record.state;
    if state.running && state.pid > 0 {
        return Some(state.pid);
    }
    if entry.shim_ready {
        return entry.created_pid.filter(|p| *p > 0);
    }
    None
}

/// Whether the cleaned absolute `path` is `dest` or below it.
fn is_under(path: &str, dest: &str) -> bool {
    dest == "/" || path == dest || path.starts_with(&format!("{dest}/"))
}

/// A bind mount of the bundle's `config.json` (volumes, `-v` binds, hosts/hostname/resolv.conf),
/// as the runtime mounts it in the container's namespace.
struct OciBind {
    destination: String,
    source: PathBuf,
    read_only: bool,
}

fn oci_binds(bundle: &Path) -> Result<Vec<OciBind>> {
    let spec_path = bundle.join("config.json");
    let bytes = std::fs::read(&spec_path)
        .map_err(|e| EngineError::io(format!("read {}", spec_path.display()), e))?;
    let spec: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::Internal(format!("parse {}: {e}", spec_path.display())))?;
    let mounts = spec.get("mounts").and_then(|m| m.as_array());
    Ok(mounts
        .into_iter()
        .flatten()
        .filter(|m| m.get("type").and_then(|t| t.as_str()) == Some("bind"))
        .filter_map(|m| {
            let options: Vec<&str> = m
                .get("options")
                .and_then(|o| o.as_array())
                .map(|o| o.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            Some(OciBind {
                destination: m.get("destination")?.as_str()?.to_string(),
                source: PathBuf::from(m.get("source")?.as_str()?),
                read_only: options.contains(&"ro"),
            })
        })
        .collect())
}

/// A stopped container's layers with its bind mounts and volumes attached (all in one detached
/// mount tree). Paths under a user mount that could not be attached (a volume on another
/// filesystem type, a missing mount point) are refused, as are writes under read-only ones
/// (dockerd: `mounted volume is marked read-only`).
fn stopped_root(
    bundle: &Path,
    mounts: &[storage::MountRequest],
    path: &str,
    writable: bool,
    stat_only: bool,
) -> Result<ContainerRoot> {
    let data = overlay_mount_data(bundle)?;
    let root = ContainerRoot::mount_layers(&data, writable).map_err(|e| file_error(e, path, ""))?;
    let mut attached = Vec::new();
    let mut read_only = Vec::new();
    for bind in oci_binds(bundle)? {
        match root.attach_bind(&bind.source, &bind.destination) {
            Ok(()) => {
                let dest = clean_abs(&bind.destination);
                if bind.read_only {
                    read_only.push(dest.clone());
                }
                attached.push(dest);
            }
            Err(e) => tracing::debug!("cp: attach {}: {e}", bind.destination),
        }
    }
    // A stat is answered from the layers, so the docker CLI (which ignores stat errors) goes
    // on to the copy and reports the clear error.
    if stat_only {
        return Ok(root);
    }
    let clean = clean_abs(path);
    for m in mounts.iter().filter(|m| m.kind != MountKind::Tmpfs) {
        let dest = clean_abs(&m.destination);
        if is_under(&clean, &dest) && !attached.contains(&dest) {
            return Err(EngineError::Conflict(format!(
                "cannot copy {path}: the container is not running and its mount {dest} cannot \
                 be reached without it"
            )));
        }
    }
    if writable && read_only.iter().any(|dest| is_under(&clean, dest)) {
        return Err(EngineError::InvalidArgument(
            "mounted volume is marked read-only".to_string(),
        ));
    }
    Ok(root)
}

/// Opens the container's root while its lock is held.
async fn open_root(
    bundle: PathBuf,
    entry: &Entry,
    path: &str,
    writable: bool,
    stat_only: bool,
) -> Result<ContainerRoot> {
    let pid = live_pid(entry);
    let mounts = entry.record.mounts.clone();
    let cgroup = entry.record.cgroups_path.clone();
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        if let Some(pid) = pid {
            match ContainerRoot::of_process(pid, Some(&cgroup)) {
                Ok(root) => return Ok(root),
                // The init has just exited: its record is updated soon; use the layers.
                Err(e) => tracing::debug!("cp: /proc/{pid}/root: {e}; using the layers"),
            }
        }
        stopped_root(&bundle, &mounts, &path, writable, stat_only)
    })
    .await
    .map_err(join_error)?
}

/// Sends written bytes into the response channel from a blocking thread.
struct ChannelWriter(mpsc::Sender<std::io::Result<Bytes>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Engine {
    /// `HEAD /containers/{id}/archive?path=`: the `X-Docker-Container-Path-Stat` of `path`.
    pub async fn stat_container_path(&self, name: &str, path: &str) -> Result<PathStat> {
        let h = self.inner.registry.resolve(name)?;
        let root = {
            let entry = h.entry.lock().await;
            open_root(self.paths().container_dir(&h.id), &entry, path, false, true).await?
        };
        let p = path.to_string();
        let stat = tokio::task::spawn_blocking(move || root.stat(&p))
            .await
            .map_err(join_error)?;
        stat.map_err(|e| file_error(e, path, name))
    }

    /// `GET /containers/{id}/archive?path=`: the stat of `path` (known before the answer starts,
    /// so a missing path is a 404) and a tar of it.
    pub async fn archive_container_path(
        &self,
        name: &str,
        path: &str,
    ) -> Result<(PathStat, LogStream)> {
        let h = self.inner.registry.resolve(name)?;
        let (root, record) = {
            let entry = h.entry.lock().await;
            let root = open_root(
                self.paths().container_dir(&h.id),
                &entry,
                path,
                false,
                false,
            )
            .await?;
            (root, entry.record.clone())
        };
        let p = path.to_string();
        let (root, stat) = tokio::task::spawn_blocking(move || {
            let stat = root.stat(&p);
            (root, stat)
        })
        .await
        .map_err(join_error)?;
        let stat = stat.map_err(|e| file_error(e, path, name))?;
        let (tx, rx) = mpsc::channel(16);
        let err_tx = tx.clone();
        let p = path.to_string();
        tokio::task::spawn_blocking(move || {
            let out = std::io::BufWriter::with_capacity(128 * 1024, ChannelWriter(tx));
            if let Err(e) = root.archive(&p, out) {
                tracing::debug!("cp archive {p}: {e}");
                let _ = err_tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        });
        self.emit("archive-path", &record);
        let out =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|v| (v, rx)) },
            );
        Ok((stat, Box::pin(out)))
    }

    /// `PUT /containers/{id}/archive?path=`: extracts the tar `body` into the directory `path`.
    pub async fn extract_to_container_dir<S>(
        &self,
        name: &str,
        path: &str,
        opts: ExtractToDirOptions,
        body: S,
    ) -> Result<()>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    {
        let h = self.inner.registry.resolve(name)?;
        let bundle = self.paths().container_dir(&h.id);
        // Held until the extraction ends: a stopped container must not start while its upper
        // dir is written through a second overlay mount.
        let entry = h.entry.lock().await;
        if live_pid(&entry).is_none() && entry.record.host_config.readonly_rootfs {
            return Err(EngineError::InvalidArgument(
                "container rootfs is marked read-only".to_string(),
            ));
        }
        let owner = if opts.copy_uid_gid && !entry.record.config.user.is_empty() {
            let view = LayerView::load(&bundle)?;
            let mut layers = vec![view.upper];
            layers.extend(view.lowers);
            let user = entry.record.config.user.clone();
            let resolved =
                tokio::task::spawn_blocking(move || crate::user::resolve_user(&user, &layers))
                    .await
                    .map_err(join_error)??;
            Some((resolved.uid, resolved.gid))
        } else {
            None
        };
        let root = open_root(bundle, &entry, path, true, false).await?;
        let extract = ExtractOptions {
            owner,
            no_overwrite_dir_non_dir: opts.no_overwrite_dir_non_dir,
        };
        let mut reader = SyncIoBridge::new(StreamReader::new(body));
        let p = path.to_string();
        // After a successful extraction the rest of the body is read: the tar ends at its first
        // end-of-archive block, and answering with bytes unread made the docker CLI fail with
        // "error writing a body to connection" after the copy.
        let result = tokio::task::spawn_blocking(move || {
            let r = root.extract(&p, &mut reader, extract);
            drop(root); // the detached overlay (if any) is released before the lock
            if r.is_ok() {
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            }
            r
        })
        .await
        .map_err(join_error)?;
        result.map_err(|e| file_error(e, path, name))?;
        self.emit("extract-to-dir", &entry.record);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_abs_stops_at_the_root() {
        assert_eq!(clean_abs("../../etc/x"), "/etc/x");
        assert_eq!(clean_abs("/data/./a/"), "/data/a");
        assert_eq!(clean_abs(""), "/");
    }
}
