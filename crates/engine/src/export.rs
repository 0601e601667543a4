//! `GET /containers/{id}/export`: a tar of the container's merged root filesystem. The overlay
//! is mounted only inside the container's mount namespace, so the layers are merged here on the
//! host (upper over lowers, whiteouts and opaque directories honoured); that works the same for
//! running and stopped containers and leaves out /proc, /sys and other mounts as dockerd does.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::engine::Engine;
use crate::error::Result;
use crate::layer_view::{is_opaque, is_whiteout, walk, LayerView};
use crate::logs::LogStream;

/// Relative path → the layer directory that provides it, top layer winning.
pub fn merged_entries(view: &LayerView) -> BTreeMap<PathBuf, PathBuf> {
    let mut chosen: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut hidden: HashSet<PathBuf> = HashSet::new();
    let mut opaque: HashSet<PathBuf> = HashSet::new();
    let layers = std::iter::once(&view.upper).chain(view.lowers.iter());
    for layer in layers {
        let mut new_hidden = Vec::new();
        let mut new_opaque = Vec::new();
        for rel in walk(layer) {
            let covered = rel
                .ancestors()
                .skip(1)
                .any(|a| opaque.contains(a) || hidden.contains(a));
            if covered || hidden.contains(&rel) || chosen.contains_key(&rel) {
                if chosen.contains_key(&rel) {
                    // A directory shadowing the same directory below: its opaque marker counts.
                    let abs = layer.join(&rel);
                    if abs.is_dir() && is_opaque(&abs) {
                        new_opaque.push(rel.clone());
                    }
                }
                continue;
            }
            let abs = layer.join(&rel);
            let Ok(md) = abs.symlink_metadata() else {
                continue;
            };
            if is_whiteout(&md) {
                new_hidden.push(rel);
                continue;
            }
            if md.is_dir() && is_opaque(&abs) {
                new_opaque.push(rel.clone());
            }
            chosen.insert(rel, layer.clone());
        }
        hidden.extend(new_hidden);
        opaque.extend(new_opaque);
    }
    chosen
}

/// Sends written bytes into the response channel from a blocking thread.
struct ChannelWriter(mpsc::Sender<std::result::Result<Bytes, std::io::Error>>);

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

fn write_tar(view: &LayerView, out: impl Write) -> std::io::Result<()> {
    let mut tar = tar::Builder::new(std::io::BufWriter::with_capacity(256 * 1024, out));
    tar.follow_symlinks(false);
    for (rel, layer) in merged_entries(view) {
        let abs: PathBuf = layer.join(&rel);
        // Directory entries end in `/` as in docker export's tar.
        let is_dir = abs.symlink_metadata().map(|m| m.is_dir()).unwrap_or(false);
        let name = if is_dir {
            PathBuf::from(format!("{}/", rel.display()))
        } else {
            rel.clone()
        };
        tar.append_path_with_name(&abs, Path::new(&name))?;
    }
    tar.into_inner()?.flush()
}

impl Engine {
    pub async fn export_container(&self, name: &str) -> Result<LogStream> {
        let h = self.inner.registry.resolve(name)?;
        let view = LayerView::load(&self.paths().container_dir(&h.id))?;
        let (tx, rx) = mpsc::channel(16);
        let err_tx = tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = write_tar(&view, ChannelWriter(tx)) {
                tracing::debug!("export: {e}");
                let _ = err_tx.blocking_send(Err(e));
            }
        });
        let out =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|v| (v, rx)) },
            );
        Ok(Box::pin(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_wins_and_whiteouts_hide() {
        let d = tempfile::tempdir().unwrap();
        let view = crate::layer_view::sample_view(d.path());
        let upper = view.upper.clone();
        let m = merged_entries(&view);
        assert_eq!(m.get(Path::new("etc/motd")), Some(&upper));
        assert!(!m.contains_key(Path::new("etc/gone")));
        let mut buf = Vec::new();
        write_tar(&view, &mut buf).unwrap();
        let mut ar = tar::Archive::new(&buf[..]);
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["etc/", "etc/motd", "new"]);
    }
}
