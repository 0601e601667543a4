//! `POST /images/{name}/push?tag=`: Docker's push sequence. Every layer is `Preparing`; a blob
//! the registry already has is `Layer already exists`, one known in another repository of the
//! same registry is `Mounted from <repo>`, anything else is gzip-compressed from the layer's exact
//! tar into a temporary file (its digest must be known before the upload) and uploaded with
//! `Pushing` progress. Then the config blob and a schema2 manifest; the manifest digest becomes a
//! RepoDigest of the image.

use std::io::Write;
use std::sync::Arc;

use futures_util::StreamExt;
use image::{Image, Reference};
use registry::AuthConfig;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;

use crate::blob_sources::BlobSource;
use crate::distribution::auth_from_header;
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::progress::{short_digest, Progress, ProgressStream, Throttle};

const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_V1: &str = "application/vnd.docker.container.image.v1+json";
const LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestDescriptor {
    media_type: &'static str,
    size: u64,
    digest: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SchemaTwo {
    schema_version: u32,
    media_type: &'static str,
    config: ManifestDescriptor,
    layers: Vec<ManifestDescriptor>,
}

/// A blob as pushed: digest and size.
#[derive(Clone)]
struct PushedBlob {
    digest: String,
    size: u64,
}

impl Engine {
    /// Starts a push of `name` (`tag` empty = every tag of the repository).
    pub async fn push(&self, name: &str, tag: &str, registry_auth: &str) -> Result<ProgressStream> {
        let repository = Reference::parse(name)?;
        let auth = auth_from_header(registry_auth)?;
        let targets: Vec<Reference> = if !tag.is_empty() {
            vec![Reference::from_repo_tag(name, tag)?]
        } else if repository.tag().is_some() || repository.digest().is_some() {
            vec![repository.clone()]
        } else {
            let repo_name = repository.name();
            let mut refs = self
                .blocking(move |store| {
                    Ok(store
                        .list()?
                        .into_iter()
                        .flat_map(|img| img.repo_tags)
                        .filter_map(|t| Reference::parse(&t).ok())
                        .filter(|r| r.name() == repo_name && r.tag().is_some())
                        .collect::<Vec<_>>())
                })
                .await?;
            refs.sort_by_key(|r| r.to_string());
            refs.dedup();
            refs
        };
        let mut images = Vec::new();
        for target in &targets {
            let lookup = target.to_string();
            match self.blocking(move |store| store.resolve(&lookup)).await {
                Ok(img) => images.push((target.clone(), img)),
                Err(EngineError::Image(image::ImageError::NotFound(_))) => {}
                Err(e) => return Err(e),
            }
        }
        if images.is_empty() {
            return Err(EngineError::Registry(registry::RegistryError::NotFound(
                format!(
                    "An image does not exist locally with the tag: {}",
                    repository.familiar_name()
                ),
            )));
        }
        let (progress, stream) = Progress::channel();
        let engine = self.clone();
        tokio::spawn(async move {
            progress.status(format!(
                "The push refers to repository [{}]",
                repository.familiar_name()
            ));
            for (target, img) in images {
                if let Err(e) = engine.push_image(&target, &auth, &img, &progress).await {
                    progress.error(e.to_string());
                    return;
                }
            }
        });
        Ok(stream)
    }

    async fn push_image(
        &self,
        target: &Reference,
        auth: &AuthConfig,
        img: &Image,
        progress: &Progress,
    ) -> Result<()> {
        let diff_ids = img.config.rootfs.diff_ids.clone();
        // Shown top-most first, as dockerd does; the id is a short form of the layer's diff id.
        let ids: Vec<String> = diff_ids.iter().map(|d| short_digest(d)).collect();
        for id in ids.iter().rev() {
            progress.layer(id, "Preparing");
        }
        let slots = Arc::new(Semaphore::new(
            self.inner.distribution.max_concurrent_uploads,
        ));
        let mut tasks = Vec::new();
        for (i, (diff_id, chain)) in diff_ids.iter().zip(&img.chain_ids).enumerate().rev() {
            let engine = self.clone();
            let (target, auth, progress, slots) = (
                target.clone(),
                auth.clone(),
                progress.clone(),
                slots.clone(),
            );
            let (diff_id, chain, id) = (diff_id.clone(), chain.clone(), ids[i].clone());
            tasks.push((
                i,
                tokio::spawn(async move {
                    let _permit = slots
                        .acquire_owned()
                        .await
                        .map_err(|e| EngineError::Internal(e.to_string()))?;
                    engine
                        .push_layer(&target, &auth, &diff_id, &chain, &id, &progress)
                        .await
                }),
            ));
        }
        let mut blobs: Vec<Option<PushedBlob>> = vec![None; diff_ids.len()];
        let mut first_error = None;
        for (i, task) in tasks {
            match task.await {
                Ok(Ok(blob)) => blobs[i] = Some(blob),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(EngineError::Internal(e.to_string()));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let layers: Vec<PushedBlob> = blobs.into_iter().flatten().collect();

        let id = img.id.clone();
        let config_bytes = self.blocking(move |store| store.config_bytes(&id)).await?;
        let client = &self.inner.distribution.client;
        let config_digest = img.id.as_str().to_string();
        if !client.blob_exists(target, auth, &config_digest).await? {
            client
                .push_blob_bytes(
                    target,
                    auth,
                    bytes::Bytes::from(config_bytes.clone()),
                    &config_digest,
                )
                .await?;
        }
        let manifest = SchemaTwo {
            schema_version: 2,
            media_type: MANIFEST_V2,
            config: ManifestDescriptor {
                media_type: CONFIG_V1,
                size: config_bytes.len() as u64,
                digest: config_digest,
            },
            layers: layers
                .iter()
                .map(|l| ManifestDescriptor {
                    media_type: LAYER_GZIP,
                    size: l.size,
                    digest: l.digest.clone(),
                })
                .collect(),
        };
        let raw = indented_json(&manifest)?;
        let size = raw.len();
        let digest = client
            .push_manifest(target, auth, bytes::Bytes::from(raw), MANIFEST_V2)
            .await?;
        let tag = target.tag().unwrap_or("latest").to_string();
        progress.status(format!("{tag}: digest: {digest} size: {size}"));
        progress.send(api::ProgressMessage {
            progress_detail: Some(serde_json::json!({})),
            aux: Some(serde_json::json!({"Tag": tag, "Digest": digest, "Size": size})),
            ..Default::default()
        });

        let digest_reference = Reference::parse(&format!("{}@{digest}", target.name()))?;
        let id = img.id.as_str().to_string();
        self.blocking(move |store| {
            let bytes = store.config_bytes(&image::ImageId::parse(&id)?)?;
            store.add_image(&bytes, &[digest_reference])
        })
        .await?;
        self.image_event("push", &target.familiar());
        Ok(())
    }

    /// One layer: reuse a known blob (exists / mount) or compress and upload it.
    async fn push_layer(
        &self,
        target: &Reference,
        auth: &AuthConfig,
        diff_id: &str,
        chain: &str,
        id: &str,
        progress: &Progress,
    ) -> Result<PushedBlob> {
        let dist = &self.inner.distribution;
        let client = &dist.client;
        let repository = target.name();
        let known: Vec<BlobSource> = dist
            .sources
            .get(diff_id)
            .into_iter()
            .filter(|s| s.repository.split('/').next() == Some(target.domain()))
            .collect();
        for source in &known {
            if client.blob_exists(target, auth, &source.digest).await? {
                progress.layer(id, "Layer already exists");
                return Ok(PushedBlob {
                    digest: source.digest.clone(),
                    size: source.size,
                });
            }
        }
        for source in known.iter().filter(|s| s.repository != repository) {
            let from = source
                .repository
                .split_once('/')
                .map(|(_, path)| path)
                .unwrap_or("");
            if client
                .mount_blob(target, auth, &source.digest, from)
                .await
                .unwrap_or(false)
            {
                progress.layer(id, format!("Mounted from {from}"));
                self.remember(diff_id, &source.digest, source.size, &repository)
                    .await;
                return Ok(PushedBlob {
                    digest: source.digest.clone(),
                    size: source.size,
                });
            }
        }

        // Compress the exact layer tar into a temporary file to learn digest and size.
        let tmp_dir = self.config().data_root.join("layers");
        let chain = chain.to_string();
        let (file, digest, size) = self
            .blocking(move |store| {
                let mut tmp = tempfile::Builder::new()
                    .prefix("tmp-push-")
                    .tempfile_in(&tmp_dir)
                    .map_err(|e| image::ImageError::InvalidArgument(e.to_string()))?;
                let (digest, count) = {
                    let mut hashing = HashingWriter {
                        inner: std::io::BufWriter::with_capacity(256 * 1024, tmp.as_file_mut()),
                        hasher: Sha256::new(),
                        count: 0,
                    };
                    {
                        let mut gz = flate2::write::GzEncoder::new(
                            &mut hashing,
                            flate2::Compression::fast(),
                        );
                        store.layer_tar(&chain, &mut gz)?;
                        gz.finish()
                            .map_err(|e| image::ImageError::InvalidArgument(e.to_string()))?;
                    }
                    hashing
                        .inner
                        .flush()
                        .map_err(|e| image::ImageError::InvalidArgument(e.to_string()))?;
                    (
                        format!("sha256:{}", hex::encode(hashing.hasher.finalize())),
                        hashing.count,
                    )
                };
                Ok((tmp, digest, count))
            })
            .await?;
        if client.blob_exists(target, auth, &digest).await? {
            progress.layer(id, "Layer already exists");
        } else {
            let std_file = file
                .reopen()
                .map_err(|e| EngineError::io("reopen layer blob", e))?;
            let reader = tokio::fs::File::from_std(std_file);
            let mut sent = 0u64;
            let mut throttle = Throttle::new();
            let (progress2, id2) = (progress.clone(), id.to_string());
            let body =
                tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024).map(move |chunk| {
                    if let Ok(c) = &chunk {
                        sent += c.len() as u64;
                        if throttle.ready(sent >= size) {
                            progress2.layer_bytes(&id2, "Pushing", sent, size);
                        }
                    }
                    chunk
                });
            client.push_blob(target, auth, body, &digest, size).await?;
            progress.layer(id, "Pushed");
        }
        drop(file);
        self.remember(diff_id, &digest, size, &repository).await;
        Ok(PushedBlob { digest, size })
    }

    async fn remember(&self, diff_id: &str, digest: &str, size: u64, repository: &str) {
        let engine = self.clone();
        let entry = (
            diff_id.to_string(),
            BlobSource {
                digest: digest.to_string(),
                size,
                repository: repository.to_string(),
            },
        );
        let _ =
            tokio::task::spawn_blocking(move || engine.inner.distribution.sources.add(&[entry]))
                .await;
    }
}

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// JSON indented with three spaces, as Docker writes manifests.
fn indented_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"   ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut ser)
        .map_err(|e| EngineError::Internal(format!("encode manifest: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_written_like_docker() {
        let manifest = SchemaTwo {
            schema_version: 2,
            media_type: MANIFEST_V2,
            config: ManifestDescriptor {
                media_type: CONFIG_V1,
                size: 2,
                digest: "sha256:c".into(),
            },
            layers: vec![ManifestDescriptor {
                media_type: LAYER_GZIP,
                size: 3,
                digest: "sha256:l".into(),
            }],
        };
        let text = String::from_utf8(indented_json(&manifest).unwrap()).unwrap();
        assert_eq!(
            text,
            "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n   \"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \"size\": 2,\n      \"digest\": \"sha256:c\"\n   },\n   \"layers\": [\n      {\n         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n         \"size\": 3,\n         \"digest\": \"sha256:l\"\n      }\n   ]\n}"
        );
    }
}
