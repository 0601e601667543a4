//! Unpacked layers: `layers/<chainid-hex>/diff/` (an overlay lower dir) and `layer.json`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use std::cell::RefCell;
use std::rc::Rc;

use crate::apply::{apply_layer_observed, ContentRange, LayerStats, WhiteoutMode};
use crate::atomic::{sync_dir, unique_suffix, write_atomic};
use crate::compression::decompressed;
use crate::diff_tar::write_layer_tar;
use crate::digest::{chain_id, digest_hex, HashingReader, HashingWriter};
use crate::error::{ImageError, Result};
use crate::tar_split::{reproduce, SplitRecorder, TeeReader, SPLIT_FILE};

/// `layers/<chainid-hex>/layer.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LayerRecord {
    pub diff_id: String,
    pub parent: Option<String>,
    /// Bytes of regular-file content in the layer.
    pub size: u64,
}

/// A layer unpacked into a temporary directory, not yet committed under its chain id.
pub(crate) struct UnpackedLayer {
    tmp_dir: PathBuf,
    pub chain_id: String,
    pub record: LayerRecord,
}

const TMP_PREFIX: &str = "tmp-";

/// Prefix of a layer directory being deleted (renamed away from its chain id first, so a crash
/// mid-delete leaves a `tmp-` leftover that `open` removes, never a half-deleted layer).
const GC_PREFIX: &str = "tmp-gc-";

pub(crate) struct LayerStore {
    dir: PathBuf,
    /// `dir` with symlinks resolved: containers name lower dirs by their resolved paths.
    canonical_dir: PathBuf,
}

impl LayerStore {
    pub(crate) fn open(data_root: &Path) -> Result<LayerStore> {
        let dir = data_root.join("layers");
        fs_err::create_dir_all(&dir).map_err(|e| ImageError::io("create layers dir", e))?;
        let canonical_dir = fs_err::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let store = LayerStore { dir, canonical_dir };
        store.remove_leftovers();
        Ok(store)
    }

    /// Half-unpacked layers from a crash are never referenced: delete them.
    fn remove_leftovers(&self) {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                    let _ = std::fs::remove_dir_all(entry.path())
                        .or_else(|_| std::fs::remove_file(entry.path()));
                }
            }
        }
    }

    pub(crate) fn layer_dir(&self, chain_id: &str) -> Result<PathBuf> {
        Ok(self.dir.join(digest_hex(chain_id)?))
    }

    /// The overlay lower dir of a layer.
    pub(crate) fn diff_dir(&self, chain_id: &str) -> Result<PathBuf> {
        Ok(self.layer_dir(chain_id)?.join("diff"))
    }

    pub(crate) fn record(&self, chain_id: &str) -> Result<LayerRecord> {
        let path = self.layer_dir(chain_id)?.join("layer.json");
        let bytes = fs_err::read(&path).map_err(|e| ImageError::io("read layer metadata", e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ImageError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Unpacks a (plain or gzip) layer tar on top of `parent` into a temporary directory, computing
    /// its diff id from the uncompressed stream as it goes. Done without the store lock.
    pub(crate) fn unpack(&self, reader: impl Read, parent: Option<&str>) -> Result<UnpackedLayer> {
        let tmp_dir = self.dir.join(format!("{TMP_PREFIX}{}", unique_suffix()));
        let result = (|| {
            fs_err::create_dir_all(&tmp_dir).map_err(|e| ImageError::io("create layer dir", e))?;
            let recorder = SplitRecorder::create(&tmp_dir.join(SPLIT_FILE))
                .map_err(|e| ImageError::io("create tar-split", e))?;
            let tee = TeeReader::new(decompressed(reader)?, Rc::clone(&recorder));
            let mut hashing = HashingReader::new(tee);
            let stats: LayerStats = {
                let observer_recorder = Rc::clone(&recorder);
                let mut observer =
                    |range: ContentRange<'_>| observer_recorder.borrow_mut().mark(range);
                apply_layer_observed(
                    &tmp_dir.join("diff"),
                    &mut hashing,
                    WhiteoutMode::Overlay,
                    &mut observer,
                )?
            };
            let (diff_id, _len) = hashing
                .finish()
                .map_err(|e| ImageError::io("read layer", e))?;
            self.keep_split_if_exact(&tmp_dir, recorder, &diff_id);
            let record = LayerRecord {
                diff_id: diff_id.clone(),
                parent: parent.map(str::to_string),
                size: stats.size,
            };
            let bytes =
                serde_json::to_vec(&record).map_err(|e| ImageError::Corrupt(e.to_string()))?;
            write_atomic(&tmp_dir.join("layer.json"), &bytes)?;
            Ok(UnpackedLayer {
                tmp_dir: tmp_dir.clone(),
                chain_id: chain_id(parent, &diff_id),
                record,
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp_dir);
        }
        result
    }

    /// Turns an overlay upper dir into a layer on top of `parent`: writes its tar to a temporary
    /// file, then unpacks that like any layer (so the diff id is the digest of that tar). `None`
    /// when the directory holds no changes.
    pub(crate) fn unpack_dir(
        &self,
        dir: &Path,
        parent: Option<&str>,
    ) -> Result<Option<UnpackedLayer>> {
        let tar_path = self
            .dir
            .join(format!("{TMP_PREFIX}{}.tar", unique_suffix()));
        let result = (|| {
            let file = fs_err::File::create(&tar_path)
                .map_err(|e| ImageError::io("create layer tar", e))?;
            let mut out = std::io::BufWriter::new(file);
            let entries = write_layer_tar(dir, &mut out)?;
            out.flush()
                .map_err(|e| ImageError::io("write layer tar", e))?;
            drop(out);
            if entries == 0 {
                return Ok(None);
            }
            let file =
                fs_err::File::open(&tar_path).map_err(|e| ImageError::io("open layer tar", e))?;
            self.unpack(std::io::BufReader::new(file), parent).map(Some)
        })();
        let _ = std::fs::remove_file(&tar_path);
        result
    }

    /// Finishes the tar-split recording and keeps it only if it reproduces the diff id exactly (a
    /// layer that rewrites one of its own files cannot be reproduced; it just cannot be saved).
    fn keep_split_if_exact(
        &self,
        layer_dir: &Path,
        recorder: Rc<RefCell<SplitRecorder>>,
        diff_id: &str,
    ) {
        // Reading the whole layer back to prove the recording exact cost about a quarter of a
        // pull's CPU; `write_tar` checks the digest as it reproduces instead (and drops a
        // recording that turns out inexact).
        let _ = diff_id;
        if SplitRecorder::finish(recorder).is_err() {
            let _ = std::fs::remove_file(layer_dir.join(SPLIT_FILE));
        }
    }

    /// Writes the exact uncompressed tar a layer was made from (its sha256 is the diff id).
    pub(crate) fn write_tar(&self, chain_id: &str, out: &mut dyn Write) -> Result<u64> {
        let dir = self.layer_dir(chain_id)?;
        if !dir.join(SPLIT_FILE).exists() {
            return Err(ImageError::NotImplemented(format!(
                "layer {chain_id} cannot be exported: its original tar stream was not kept"
            )));
        }
        let diff_id = self.record(chain_id)?.diff_id;
        let mut checked = CheckedWriter {
            out,
            check: HashingWriter::new(),
        };
        let written = reproduce(&dir, &mut checked)?;
        if checked.check.digest() != diff_id {
            // The layer rewrote one of its own files: the recording cannot reproduce it.
            let _ = std::fs::remove_file(dir.join(SPLIT_FILE));
            return Err(ImageError::NotImplemented(format!(
                "layer {chain_id} cannot be exported: its original tar stream cannot be reproduced"
            )));
        }
        Ok(written)
    }

    /// The chain ids of every stored layer.
    pub(crate) fn all(&self) -> Result<Vec<String>> {
        let entries = fs_err::read_dir(&self.dir).map_err(|e| ImageError::io("read layers", e))?;
        Ok(entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| crate::reference::is_full_hex_id(name))
            .map(|hex| format!("sha256:{hex}"))
            .collect())
    }

    /// Throws away a layer that was unpacked but is not wanted.
    pub(crate) fn discard(&self, layer: UnpackedLayer) {
        let _ = std::fs::remove_dir_all(&layer.tmp_dir);
    }

    /// Moves an unpacked layer to `layers/<chainid>`; an identical layer already there wins.
    /// Call with the store lock held.
    pub(crate) fn commit(&self, layer: UnpackedLayer) -> Result<String> {
        let target = self.layer_dir(&layer.chain_id)?;
        if target.exists() {
            let _ = std::fs::remove_dir_all(&layer.tmp_dir);
        } else {
            fs_err::rename(&layer.tmp_dir, &target)
                .map_err(|e| ImageError::io("commit layer", e))?;
            sync_dir(&self.dir)?;
        }
        Ok(layer.chain_id)
    }

    /// Renames `layers/<chain>` to `layers/tmp-gc-<…>` (call with the store lock held): from then on
    /// the layer is gone for every reader, and a crash before [`LayerStore::purge`] leaves a `tmp-`
    /// directory that `open` deletes. `None` when the layer does not exist.
    pub(crate) fn detach(&self, chain_id: &str) -> Result<Option<PathBuf>> {
        let dir = self.layer_dir(chain_id)?;
        let doomed = self.dir.join(format!("{GC_PREFIX}{}", unique_suffix()));
        match fs_err::rename(&dir, &doomed) {
            Ok(()) => Ok(Some(doomed)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ImageError::io("remove layer", e)),
        }
    }

    /// Deletes a directory [`LayerStore::detach`] returned; no lock needed. Best effort: what is
    /// left is a `tmp-` directory the next `open` removes.
    pub(crate) fn purge(doomed: &Path) {
        let _ = std::fs::remove_dir_all(doomed);
    }

    /// How long ago the layer was committed: the age of its `layer.json`, written last when it was
    /// unpacked (the directory's own times change with every rename).
    pub(crate) fn age(&self, chain_id: &str) -> Option<std::time::Duration> {
        let modified = std::fs::metadata(self.layer_dir(chain_id).ok()?.join("layer.json"))
            .and_then(|m| m.modified())
            .ok()?;
        // Written "in the future" (the clock went back): as young as can be.
        Some(
            std::time::SystemTime::now()
                .duration_since(modified)
                .unwrap_or_default(),
        )
    }

    /// The chain id whose `diff` directory `dir` is (a container's overlay lower dir, symlinks
    /// resolved), if it is one of this store's layers.
    pub(crate) fn chain_of_diff_dir(&self, dir: &Path) -> Option<String> {
        if dir.file_name()? != "diff" {
            return None;
        }
        let layer = dir.parent()?;
        if layer.parent()? != self.canonical_dir && layer.parent()? != self.dir {
            return None;
        }
        let hex = layer.file_name()?.to_str()?;
        crate::reference::is_full_hex_id(hex).then(|| format!("sha256:{hex}"))
    }
}

/// Passes bytes through while hashing them.
struct CheckedWriter<'a> {
    out: &'a mut dyn Write,
    check: HashingWriter,
}

impl Write for CheckedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.check.write_all(&buf[..n])?;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
