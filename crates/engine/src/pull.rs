//! `POST /images/create?fromImage=`: pull an image from a registry.
//!
//! The manifest is resolved before anything is streamed, so an unknown tag is a plain 404. Then
//! the config is fetched (its diff ids say which layers are already here), missing layers are
//! downloaded in parallel (at most `max_concurrent_downloads`) into in-memory spools, and each
//! is unpacked while it downloads (the parent's chain id comes from the config, so a layer does
//! not wait for its parent to be committed). A blob whose digest or size is wrong fails its spool's last read, so its layer
//! is never committed; the image itself is added only after every layer is in. A crash leaves
//! only the layer store's `tmp-*` directories, which it deletes on startup, the layers it had
//! committed (kept a day for the next pull, see `cleanup.rs`) and the compressed bytes received so
//! far in `content/ingest/` (see `ingest.rs`): the next pull unpacks a verified blob from disk and
//! resumes a partial one with a range request. A pull that fails with an error removes the layers
//! it committed that nothing else references.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use image::{chain_ids, ImageConfig, ImageId, LayerLease, Reference};
use registry::{AuthConfig, Descriptor, Platform, ResolvedManifest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::blob_sources::BlobSource;
use crate::distribution::auth_from_header;
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::ingest::{ContentIngest, LocalBlob};
use crate::progress::{short_digest, Progress, ProgressStream, Throttle};
use crate::spool::{Spool, SpoolWriter};

/// Unread bytes a layer download may hold in memory before it waits for the unpacker.
const SPOOL_CAP: usize = 64 << 20;

/// Read size when a layer is fed to its spool from a local file.
const FILE_CHUNK: usize = 1 << 20;

/// What `POST /images/create?fromImage=…` asks for.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// `fromImage`: a repository, possibly with a tag or digest.
    pub image: String,
    /// `tag`: a tag or a digest (`sha256:…`, as the CLI sends for `name@sha256:…`).
    pub tag: String,
    /// `platform`: `os/arch[/variant]`; empty = linux/amd64.
    pub platform: String,
    /// The `X-Registry-Auth` header, as sent.
    pub registry_auth: String,
}

/// The reference `fromImage` and `tag` name together.
pub fn pull_reference(image: &str, tag: &str) -> Result<Reference> {
    let reference = if tag.is_empty() {
        Reference::parse(image)?
    } else if tag.starts_with("sha256:") {
        Reference::parse(&format!("{image}@{tag}"))?
    } else {
        Reference::from_repo_tag(image, tag)?
    };
    Ok(reference.with_default_tag())
}

impl Engine {
    /// Starts a pull. Errors before the first message (bad reference, unknown manifest, refused
    /// credentials) are returned; later ones end the stream with an error message.
    pub async fn pull(&self, opts: PullOptions) -> Result<ProgressStream> {
        let reference = pull_reference(&opts.image, &opts.tag)?;
        let auth = auth_from_header(&opts.registry_auth)?;
        let platform = if opts.platform.is_empty() {
            Platform::default()
        } else {
            Platform::parse(&opts.platform).ok_or_else(|| {
                EngineError::InvalidArgument(format!(
                    "\"{}\": unknown operating system or architecture: invalid argument",
                    opts.platform
                ))
            })?
        };
        let manifest = self
            .inner
            .distribution
            .client
            .pull_manifest(&reference, &auth, &platform)
            .await?;
        let (progress, stream) = Progress::channel();
        let engine = self.clone();
        tokio::spawn(async move {
            let result = engine
                .pull_content(&reference, &auth, manifest, &progress)
                .await;
            if let Err(e) = result {
                progress.error(e.to_string());
            }
        });
        Ok(stream)
    }

    /// Pulls and waits for the end, for callers without a client stream (`run` pulling on demand).
    /// Returns the messages; an in-stream error becomes `Err`.
    pub async fn pull_and_wait(&self, opts: PullOptions) -> Result<Vec<api::ProgressMessage>> {
        let mut stream = self.pull(opts).await?;
        let mut messages = Vec::new();
        while let Some(m) = stream.next().await {
            if let Some(e) = &m.error {
                return Err(EngineError::Internal(e.clone()));
            }
            messages.push(m);
        }
        Ok(messages)
    }

    /// Every layer the pull looks at or commits is held (a lease in the image store) until its
    /// image is added, so no collection removes it in between. A pull that fails removes the
    /// layers it committed that nothing else references, as dockerd releases them.
    async fn pull_content(
        &self,
        reference: &Reference,
        auth: &AuthConfig,
        manifest: ResolvedManifest,
        progress: &Progress,
    ) -> Result<()> {
        let lease = Arc::new(self.inner.images.lease());
        let result = self
            .pull_content_held(reference, auth, manifest, progress, &lease)
            .await;
        if result.is_err() {
            let store = self.inner.images.clone();
            match tokio::task::spawn_blocking(move || store.abandon(&lease)).await {
                Ok(removed) if !removed.is_empty() => {
                    tracing::debug!(?removed, "failed pull: its layers removed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("removing a failed pull's layers: {e}"),
            }
        }
        result
    }

    async fn pull_content_held(
        &self,
        reference: &Reference,
        auth: &AuthConfig,
        manifest: ResolvedManifest,
        progress: &Progress,
        lease: &Arc<LayerLease>,
    ) -> Result<()> {
        let dist = &self.inner.distribution;
        let tag_or_digest = reference
            .tag()
            .or(reference.digest())
            .unwrap_or("latest")
            .to_string();
        progress.status_id(format!("Pulling from {}", reference.path()), &tag_or_digest);

        let config_bytes = dist
            .client
            .fetch_config(reference, auth, &manifest.config)
            .await?;
        let config = ImageConfig::from_bytes(&config_bytes)?;
        let diff_ids = config.rootfs.diff_ids.clone();
        if diff_ids.len() != manifest.layers.len() {
            return Err(EngineError::InvalidArgument(format!(
                "invalid manifest, layers length mismatch: expected {}, got {}",
                diff_ids.len(),
                manifest.layers.len()
            )));
        }
        let image_id = ImageId::of_config(&config_bytes);
        let lookup = reference.to_string();
        let current = self
            .blocking(move |store| Ok(store.resolve(&lookup).ok().map(|img| img.id)))
            .await?;
        let up_to_date = current.as_ref() == Some(&image_id);
        if !up_to_date {
            self.pull_layers(
                reference,
                auth,
                &manifest.layers,
                &diff_ids,
                progress,
                lease,
            )
            .await?;
        }

        // The digest the reference resolved to: a manifest list's own, as dockerd records it.
        let digest = manifest
            .index_digest
            .clone()
            .unwrap_or_else(|| manifest.manifest_digest.clone());
        let mut references = vec![reference.clone()];
        if reference.digest().is_none() {
            references.push(Reference::parse(&format!("{}@{digest}", reference.name()))?);
        }
        self.blocking(move |store| store.add_image(&config_bytes, &references))
            .await?;
        let sources: Vec<(String, BlobSource)> = diff_ids
            .iter()
            .zip(&manifest.layers)
            .map(|(diff_id, layer)| {
                (
                    diff_id.clone(),
                    BlobSource {
                        digest: layer.digest.clone(),
                        size: u64::try_from(layer.size).unwrap_or(0),
                        repository: reference.name(),
                    },
                )
            })
            .collect();
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.inner.distribution.sources.add(&sources))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))?;

        self.image_event("pull", &reference.familiar());
        progress.status(format!("Digest: {digest}"));
        if up_to_date {
            progress.status(format!(
                "Status: Image is up to date for {}",
                reference.familiar()
            ));
        } else {
            progress.status(format!(
                "Status: Downloaded newer image for {}",
                reference.familiar()
            ));
        }
        Ok(())
    }

    /// Downloads the missing layers in parallel and applies them in order while they arrive.
    async fn pull_layers(
        &self,
        reference: &Reference,
        auth: &AuthConfig,
        layers: &[Descriptor],
        diff_ids: &[String],
        progress: &Progress,
        lease: &Arc<LayerLease>,
    ) -> Result<()> {
        let chains = chain_ids(diff_ids);
        let present = {
            let (chains, lease) = (chains.clone(), lease.clone());
            self.blocking(move |store| Ok(store.hold_layers(&lease, &chains)))
                .await?
        };
        let present: Vec<bool> = present;
        let ids: Vec<String> = layers.iter().map(|l| short_digest(&l.digest)).collect();
        for (id, here) in ids.iter().zip(&present) {
            progress.layer(
                id,
                if *here {
                    "Already exists"
                } else {
                    "Pulling fs layer"
                },
            );
        }
        // A crash between a layer's commit and the removal of its blob leaves the blob behind.
        let committed: Vec<String> = layers
            .iter()
            .zip(&present)
            .filter(|(_, here)| **here)
            .map(|(l, _)| l.digest.clone())
            .collect();
        let ingest = self.inner.distribution.ingest.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for digest in committed {
                ingest.remove(&digest);
            }
        })
        .await;
        if present.iter().all(|p| *p) {
            return Ok(());
        }

        self.download_and_apply(
            reference, auth, layers, diff_ids, &chains, &present, &ids, progress,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn download_and_apply(
        &self,
        reference: &Reference,
        auth: &AuthConfig,
        layers: &[Descriptor],
        diff_ids: &[String],
        chains: &[String],
        present: &[bool],
        ids: &[String],
        progress: &Progress,
    ) -> Result<()> {
        let slots = Arc::new(Semaphore::new(
            self.inner.distribution.max_concurrent_downloads,
        ));
        let started = std::time::Instant::now();
        // Each unpacker holds a sender; once all are dropped no layer of this pull can still be
        // committed (a failed pull waits for that before removing what it committed).
        let (unpacking, mut unpackers_done) = tokio::sync::mpsc::channel::<()>(1);
        let mut tasks: Vec<JoinHandle<Result<()>>> = Vec::new();
        for (i, layer) in layers.iter().enumerate() {
            if present[i] {
                continue;
            }
            let permit = match slots.clone().try_acquire_owned() {
                Ok(p) => Some(p),
                Err(_) => {
                    progress.layer(&ids[i], "Waiting");
                    None
                }
            };
            let engine = self.clone();
            let (reference, auth, layer) = (reference.clone(), auth.clone(), layer.clone());
            let (progress, id, slots) = (progress.clone(), ids[i].clone(), slots.clone());
            // The parent's chain id is known from the config, so a layer can be unpacked before
            // its parent is committed: every layer streams into its own directory at once.
            let parent = i.checked_sub(1).map(|p| chains[p].clone());
            let diff_id = diff_ids[i].clone();
            let digest = layer.digest.clone();
            let unpacking = unpacking.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = match permit {
                    Some(p) => p,
                    None => slots
                        .acquire_owned()
                        .await
                        .map_err(|e| EngineError::Internal(e.to_string()))?,
                };
                let (spool, mut writer) = Spool::new(SPOOL_CAP);
                let total = u64::try_from(layer.size).unwrap_or(0);
                let extract_progress = progress.clone();
                let extract_id = id.clone();
                let mut throttle = Throttle::new();
                let reader = spool.reader().on_read(move |read| {
                    if throttle.ready(read >= total) {
                        extract_progress.layer_bytes(&extract_id, "Extracting", read, total);
                    }
                });
                let apply = engine.blocking(move |store| {
                    let _unpacking = unpacking;
                    store.add_layer(reader, parent.as_deref(), &diff_id)
                });
                let download = async {
                    let result = engine
                        .download_blob(&reference, &auth, &layer, &mut writer, &progress, &id)
                        .await;
                    spool.finish(result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
                    result
                };
                let (downloaded, applied) = tokio::join!(download, apply);
                // The download's own error (digest mismatch, registry gone) says more than the
                // unpacker's failed read.
                downloaded?;
                if applied.is_err() {
                    // A verified blob that does not unpack would fail every later pull too.
                    let ingest = engine.inner.distribution.ingest.clone();
                    let digest = digest.clone();
                    let _ = tokio::task::spawn_blocking(move || ingest.remove(&digest)).await;
                }
                applied?;
                tracing::debug!(layer = %id, elapsed = ?started.elapsed(), "layer applied");
                // The layer is unpacked: its compressed blob is not kept (as dockerd does).
                let ingest = engine.inner.distribution.ingest.clone();
                let _ = tokio::task::spawn_blocking(move || ingest.remove(&digest)).await;
                progress.layer(&id, "Pull complete");
                Ok(())
            }));
        }
        let mut first_error = None;
        let mut tasks = tasks.into_iter();
        for task in tasks.by_ref() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_error = Some(e);
                    break;
                }
                Err(e) => {
                    first_error = Some(EngineError::Internal(format!("layer task: {e}")));
                    break;
                }
            }
        }
        if let Some(e) = first_error {
            // Dropping a writer fails its unpacker's next read: nothing half-done is committed.
            for t in tasks {
                t.abort();
            }
            drop(unpacking);
            // Aborted downloads fail their unpackers' next read; wait until they have returned.
            while unpackers_done.recv().await.is_some() {}
            return Err(e);
        }
        Ok(())
    }

    /// Streams one blob into its spool with `Downloading` progress; the stream's last item checks
    /// size and digest. The bytes also go to `content/ingest/<hex>.partial` (renamed into
    /// `content/blobs/` once verified), so a pull interrupted by a crash reuses them: a verified
    /// blob is unpacked from disk, a partial one is fed to the spool and the rest asked for with a
    /// range request.
    async fn download_blob(
        &self,
        reference: &Reference,
        auth: &AuthConfig,
        layer: &Descriptor,
        writer: &mut SpoolWriter,
        progress: &Progress,
        id: &str,
    ) -> Result<()> {
        let ingest = self.inner.distribution.ingest.clone();
        let total = u64::try_from(layer.size).unwrap_or(0);
        if let Some(blob) = ingest.blob_path(&layer.digest).filter(|p| p.is_file()) {
            match feed_verified_blob(&blob, layer, writer).await {
                Ok(()) => {
                    tracing::debug!(layer = id, "layer unpacked from its local blob");
                    progress.layer(id, "Verifying Checksum");
                    progress.layer(id, "Download complete");
                    return Ok(());
                }
                // Nothing reached the spool when the blob vanished (another pull committed it):
                // download it instead.
                Err(e) if writer.written() == 0 => {
                    tracing::debug!(layer = id, "local blob unusable, downloading: {e}");
                }
                Err(e) => {
                    ingest.remove(&layer.digest);
                    return Err(e);
                }
            }
        }

        // The partial file, locked so that two pulls of one blob do not append to it together
        // (the second downloads into memory only).
        let (partial, local) = {
            let (ingest, digest) = (ingest.clone(), layer.digest.clone());
            tokio::task::spawn_blocking(move || claim_partial(&ingest, &digest))
                .await
                .map_err(|e| EngineError::Internal(e.to_string()))?
        };
        let client = &self.inner.distribution.client;
        let (mut stream, mut partial) = match (local, partial) {
            (Some((offset, hasher)), Some(file)) => {
                let stream = client
                    .resume_blob_stream(reference, auth, layer, offset, hasher)
                    .await?;
                let file = if stream.restarted {
                    file.set_len(0)
                        .map_err(|e| EngineError::io("truncate partial blob", e))?;
                    file
                } else {
                    tracing::debug!(layer = id, offset, "resuming layer download");
                    let path = ingest.partial_path(&layer.digest).unwrap_or_default();
                    feed_file(&path, offset, writer)
                        .await
                        .map_err(|e| EngineError::io("read partial blob", e))?;
                    file
                };
                (stream, Some(tokio::fs::File::from_std(file)))
            }
            (_, file) => (
                client.blob_stream(reference, auth, layer).await?,
                file.map(tokio::fs::File::from_std),
            ),
        };
        let mut throttle = Throttle::new();
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    if matches!(e, registry::RegistryError::DigestMismatch { .. }) {
                        // Bad bytes must not be resumed from.
                        ingest.remove(&layer.digest);
                    }
                    return Err(e.into());
                }
            };
            if let Some(file) = partial.as_mut() {
                if let Err(e) = file.write_all(&chunk).await {
                    // A full disk costs the resume, not the pull.
                    tracing::warn!(layer = id, "writing partial blob: {e}");
                    partial = None;
                    ingest.remove(&layer.digest);
                }
            }
            writer.append(chunk).await;
            let written = writer.written();
            if throttle.ready(written >= total) {
                progress.layer_bytes(id, "Downloading", written, total);
            }
        }
        tracing::debug!(layer = id, bytes = writer.written(), "layer downloaded");
        progress.layer(id, "Verifying Checksum");
        if let Some(mut file) = partial {
            let flushed = file.flush().await;
            let file = file.into_std().await;
            let digest = layer.digest.clone();
            let committed = match flushed {
                Ok(()) => tokio::task::spawn_blocking(move || ingest.commit(&digest, file))
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .and_then(|r| r),
                Err(e) => Err(e),
            };
            if let Err(e) = committed {
                tracing::warn!(layer = id, "keeping the verified blob: {e}");
            }
        }
        progress.layer(id, "Download complete");
        Ok(())
    }
}

/// Opens and locks the partial file of `digest` and hashes what it holds. `(None, None)` when
/// another pull holds it or it cannot be opened; `(None, Some)` when it is empty.
fn claim_partial(
    ingest: &ContentIngest,
    digest: &str,
) -> (Option<std::fs::File>, Option<(u64, registry::Sha256)>) {
    let file = match ingest.open_partial(digest, false) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("opening partial blob {digest}: {e}");
            return (None, None);
        }
    };
    if file.try_lock().is_err() {
        return (None, None);
    }
    match ingest.lookup(digest) {
        Ok(LocalBlob::Partial(len, hasher)) => (Some(file), Some((len, hasher))),
        Ok(_) => (Some(file), None),
        Err(e) => {
            tracing::warn!("reading partial blob {digest}: {e}");
            match file.set_len(0) {
                Ok(()) => (Some(file), None),
                Err(_) => (None, None),
            }
        }
    }
}

/// Reads a verified blob into the spool, checking its digest again (the disk may have lost it).
async fn feed_verified_blob(
    path: &std::path::Path,
    layer: &Descriptor,
    writer: &mut SpoolWriter,
) -> Result<()> {
    use sha2::Digest as _;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| EngineError::io("open local blob", e))?;
    let mut hasher = registry::Sha256::new();
    let mut buf = vec![0u8; FILE_CHUNK];
    loop {
        let n = file
            .read(&mut buf)
            .await
            .map_err(|e| EngineError::io("read local blob", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        writer.append(Bytes::copy_from_slice(&buf[..n])).await;
    }
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if actual != layer.digest {
        return Err(EngineError::Internal(format!(
            "local blob {} is damaged (digest {actual})",
            layer.digest
        )));
    }
    Ok(())
}

/// Feeds the first `len` bytes of a file into the spool.
async fn feed_file(
    path: &std::path::Path,
    len: u64,
    writer: &mut SpoolWriter,
) -> std::io::Result<()> {
    let file = tokio::fs::File::open(path).await?;
    let mut file = file.take(len);
    let mut buf = vec![0u8; FILE_CHUNK];
    let mut fed = 0;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        fed += n as u64;
        writer.append(Bytes::copy_from_slice(&buf[..n])).await;
    }
    if fed != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "partial blob shrank",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_from_query() {
        assert_eq!(
            pull_reference("busybox", "").unwrap().to_string(),
            "docker.io/library/busybox:latest"
        );
        assert_eq!(
            pull_reference("127.0.0.1:5000/a/b", "1.0")
                .unwrap()
                .familiar(),
            "127.0.0.1:5000/a/b:1.0"
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = pull_reference("127.0.0.1:5000/a/b", &digest).unwrap();
        assert_eq!(r.digest(), Some(digest.as_str()));
        assert!(pull_reference("a::b", "").is_err());
        assert!(pull_reference("Upper", "").is_err());
    }
}
