//! The registry client against a real Debian `docker-registry` 2.8 on 127.0.0.1 (open and
//! htpasswd-protected): push an image built here, pull it back, compare bytes and digests.

use std::io::Write;

use bytes::Bytes;
use errdefs::{ErrorKind, HasKind};
use futures_util::{stream, StreamExt};
use registry::manifest::{DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST_V2, OCI_INDEX};
use registry::{AuthConfig, Descriptor, Platform, RegistryClient, RegistryConfig, RegistryError};
use sha2::{Digest as _, Sha256};
use test_support::Registry;

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A gzip'd tar layer holding one file.
fn layer(file: &str, content: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, file, content).unwrap();
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

/// A small image: layers, a config naming their diff ids, a schema 2 manifest.
struct TestImage {
    layers: Vec<Vec<u8>>,
    config: Vec<u8>,
    manifest: Vec<u8>,
}

impl TestImage {
    fn new(arch: &str, files: &[(&str, &[u8])]) -> TestImage {
        let mut layers = Vec::new();
        let mut diff_ids = Vec::new();
        for (name, content) in files {
            let gz = layer(name, content);
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
                .unwrap();
            diff_ids.push(digest(&plain));
            layers.push(gz);
        }
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": arch,
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }))
        .unwrap();
        let manifest = serde_json::to_vec_pretty(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST_V2,
            "config": {"mediaType": DOCKER_CONFIG, "size": config.len(), "digest": digest(&config)},
            "layers": layers.iter().map(|l| serde_json::json!({
                "mediaType": DOCKER_LAYER_GZIP, "size": l.len(), "digest": digest(l)
            })).collect::<Vec<_>>(),
        }))
        .unwrap();
        TestImage {
            layers,
            config,
            manifest,
        }
    }

    /// Pushes blobs (layers streamed in small pieces, config from memory), then the manifest.
    async fn push(
        &self,
        client: &RegistryClient,
        reference: &image::Reference,
        auth: &AuthConfig,
    ) -> String {
        for l in &self.layers {
            let d = digest(l);
            if client.blob_exists(reference, auth, &d).await.unwrap() {
                continue;
            }
            let pieces: Vec<std::io::Result<Bytes>> = l
                .chunks(1000)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            client
                .push_blob(reference, auth, stream::iter(pieces), &d, l.len() as u64)
                .await
                .unwrap();
        }
        client
            .push_blob_bytes(
                reference,
                auth,
                Bytes::from(self.config.clone()),
                &digest(&self.config),
            )
            .await
            .unwrap();
        client
            .push_manifest(
                reference,
                auth,
                Bytes::from(self.manifest.clone()),
                DOCKER_MANIFEST_V2,
            )
            .await
            .unwrap()
    }
}

fn reference(s: &str) -> image::Reference {
    image::Reference::parse(s).unwrap()
}

fn client() -> RegistryClient {
    RegistryClient::new(RegistryConfig::default())
}

#[tokio::test]
async fn push_then_pull_is_byte_identical() {
    let reg = Registry::start();
    let client = client();
    let anon = AuthConfig::anonymous();
    let img = TestImage::new(
        "amd64",
        &[("a.txt", b"first layer"), ("b.txt", &[7u8; 100_000])],
    );
    let r = reference(&format!(
        "{}/fr/iut/caen/mapremiereimage:latest",
        reg.addr()
    ));

    client.ping(&reg.addr()).await.unwrap();
    let pushed = img.push(&client, &r, &anon).await;
    assert_eq!(pushed, digest(&img.manifest));

    let m = client
        .pull_manifest(&r, &anon, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m.manifest_digest, digest(&img.manifest));
    assert_eq!(m.raw_manifest, img.manifest);
    assert_eq!(m.media_type, DOCKER_MANIFEST_V2);
    assert_eq!(m.index_digest, None);
    assert_eq!(m.config.digest, digest(&img.config));
    assert_eq!(m.layers.len(), 2);

    let config = client.fetch_config(&r, &anon, &m.config).await.unwrap();
    assert_eq!(config, img.config);
    for (desc, original) in m.layers.iter().zip(&img.layers) {
        assert_eq!(desc.digest, digest(original));
        let got = client
            .blob_stream(&r, &anon, desc)
            .await
            .unwrap()
            .collect_verified(u64::MAX)
            .await
            .unwrap();
        assert_eq!(&got, original);
        assert!(client.blob_exists(&r, &anon, &desc.digest).await.unwrap());
    }

    assert_eq!(client.manifest_digest(&r, &anon).await.unwrap(), pushed);

    // By digest, as `docker pull name@sha256:…`.
    let by_digest = reference(&format!(
        "{}/fr/iut/caen/mapremiereimage@{}",
        reg.addr(),
        pushed
    ));
    let m2 = client
        .pull_manifest(&by_digest, &anon, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m2.raw_manifest, img.manifest);
}

#[tokio::test]
async fn missing_tag_is_docker_manifest_unknown() {
    let reg = Registry::start();
    let r = reference(&format!("{}/demo/nosuch", reg.addr()));
    let err = client()
        .pull_manifest(&r, &AuthConfig::anonymous(), &Platform::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        format!(
            "manifest for {}/demo/nosuch:latest not found: manifest unknown: manifest unknown",
            reg.addr()
        )
    );
    let err = client()
        .manifest_digest(&r, &AuthConfig::anonymous())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    assert!(!client()
        .blob_exists(&r, &AuthConfig::anonymous(), &digest(b"nothing"))
        .await
        .unwrap());
}

#[tokio::test]
async fn index_resolves_to_the_wanted_platform() {
    let reg = Registry::start();
    let client = client();
    let anon = AuthConfig::anonymous();
    let amd = TestImage::new("amd64", &[("amd", b"x86")]);
    let arm = TestImage::new("arm64", &[("arm", b"aarch64")]);
    let amd_ref = reference(&format!("{}/multi/app:amd64", reg.addr()));
    let arm_ref = reference(&format!("{}/multi/app:arm64", reg.addr()));
    amd.push(&client, &amd_ref, &anon).await;
    arm.push(&client, &arm_ref, &anon).await;
    // arm64 listed first: selection must look at platforms, not take the first entry.
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": DOCKER_MANIFEST_V2, "size": arm.manifest.len(), "digest": digest(&arm.manifest),
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            {"mediaType": DOCKER_MANIFEST_V2, "size": amd.manifest.len(), "digest": digest(&amd.manifest),
             "platform": {"architecture": "amd64", "os": "linux"}},
        ],
    }))
    .unwrap();
    let multi = reference(&format!("{}/multi/app:latest", reg.addr()));
    let index_digest = client
        .push_manifest(&multi, &anon, Bytes::from(index.clone()), OCI_INDEX)
        .await
        .unwrap();
    assert_eq!(index_digest, digest(&index));

    let m = client
        .pull_manifest(&multi, &anon, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m.manifest_digest, digest(&amd.manifest));
    assert_eq!(m.raw_manifest, amd.manifest);
    assert_eq!(m.index_digest.as_deref(), Some(index_digest.as_str()));
    assert_eq!(
        client.manifest_digest(&multi, &anon).await.unwrap(),
        index_digest
    );

    let arm64 = Platform::parse("linux/arm64").unwrap();
    let m = client.pull_manifest(&multi, &anon, &arm64).await.unwrap();
    assert_eq!(m.config.digest, digest(&arm.config));

    let err = client
        .pull_manifest(&multi, &anon, &Platform::parse("linux/s390x").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn basic_auth_registry() {
    let reg = Registry::start_with_htpasswd("testuser", "testpass");
    let client = client();
    let host = reg.addr();
    let good = AuthConfig::basic("testuser", "testpass", &host);
    let wrong = AuthConfig::basic("testuser", "wrongpass", &host);
    let anon = AuthConfig::anonymous();

    let err = client.login(&host, &wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal, "dockerd answers 500");
    assert_eq!(
        err.to_string(),
        format!("login attempt to http://{host}/v2/ failed with status: 401 Unauthorized")
    );
    client.login(&host, &good).await.unwrap();
    // A server address as the CLI sends it works too.
    client
        .login(&format!("http://{host}/v2/"), &good)
        .await
        .unwrap();

    let img = TestImage::new("amd64", &[("secret.txt", b"for members only")]);
    let r = reference(&format!("{host}/private/app:v1"));
    img.push(&client, &r, &good).await;

    let err = client
        .pull_manifest(&r, &anon, &Platform::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized(_)), "{err:?}");
    assert!(
        err.to_string().contains("no basic auth credentials"),
        "{err}"
    );
    let err = client
        .pull_manifest(&r, &wrong, &Platform::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized(_)), "{err:?}");

    let m = client
        .pull_manifest(&r, &good, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m.raw_manifest, img.manifest);
    let config = client.fetch_config(&r, &good, &m.config).await.unwrap();
    assert_eq!(config, img.config);

    // Credentials as dockerd gets them from the docker CLI.
    let from_header = AuthConfig::from_header(&good.to_header()).unwrap();
    client.login(&host, &from_header).await.unwrap();
}

#[tokio::test]
async fn cross_repository_mount() {
    let reg = Registry::start();
    let client = client();
    let anon = AuthConfig::anonymous();
    let img = TestImage::new("amd64", &[("shared.txt", b"shared layer")]);
    let a = reference(&format!("{}/demo/busybox:latest", reg.addr()));
    let b = reference(&format!("{}/other/copy:latest", reg.addr()));
    img.push(&client, &a, &anon).await;
    let layer = digest(&img.layers[0]);
    assert!(!client.blob_exists(&b, &anon, &layer).await.unwrap());
    assert!(client
        .mount_blob(&b, &anon, &layer, "demo/busybox")
        .await
        .unwrap());
    assert!(client.blob_exists(&b, &anon, &layer).await.unwrap());
    // A blob the source does not have is not mounted.
    assert!(!client
        .mount_blob(&b, &anon, &digest(b"absent"), "demo/busybox")
        .await
        .unwrap());
}

/// The registry's filesystem path of a blob (distribution's storage layout).
fn blob_data_path(reg: &Registry, d: &str) -> std::path::PathBuf {
    let hex = d.strip_prefix("sha256:").unwrap();
    reg.storage_root()
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data")
}

#[tokio::test]
async fn corrupt_blob_fails_verification() {
    let reg = Registry::start();
    let client = client();
    let anon = AuthConfig::anonymous();
    let img = TestImage::new("amd64", &[("x", &[1u8; 5000])]);
    let r = reference(&format!("{}/demo/corrupt:latest", reg.addr()));
    img.push(&client, &r, &anon).await;
    let m = client
        .pull_manifest(&r, &anon, &Platform::default())
        .await
        .unwrap();

    let path = blob_data_path(&reg, &m.layers[0].digest);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();

    let mut s = client.blob_stream(&r, &anon, &m.layers[0]).await.unwrap();
    let mut items = Vec::new();
    while let Some(item) = s.next().await {
        items.push(item);
    }
    let err = items.pop().unwrap().unwrap_err();
    assert!(
        matches!(err, RegistryError::DigestMismatch { .. }),
        "{err:?}"
    );
    assert!(
        items.iter().all(|i| i.is_ok()),
        "data first, the verdict last"
    );
}

#[tokio::test]
async fn resumed_download_is_verified() {
    let reg = Registry::start();
    let client = client();
    let anon = AuthConfig::anonymous();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let img = TestImage::new("amd64", &[("big", &content)]);
    let r = reference(&format!("{}/demo/resume:latest", reg.addr()));
    img.push(&client, &r, &anon).await;
    let layer: Descriptor = client
        .pull_manifest(&r, &anon, &Platform::default())
        .await
        .unwrap()
        .layers[0]
        .clone();

    let whole = &img.layers[0];
    let offset = whole.len() / 3;
    let mut hasher = registry::Sha256::new();
    hasher.update(&whole[..offset]);
    let s = client
        .resume_blob_stream(&r, &anon, &layer, offset as u64, hasher)
        .await
        .unwrap();
    assert!(!s.restarted, "docker-registry honours ranges");
    let rest = s.collect_verified(u64::MAX).await.unwrap();
    assert_eq!(rest, whole[offset..]);

    // A wrong prefix state is caught at the end.
    let mut bad = registry::Sha256::new();
    bad.update(vec![0u8; offset]);
    let s = client
        .resume_blob_stream(&r, &anon, &layer, offset as u64, bad)
        .await
        .unwrap();
    assert!(matches!(
        s.collect_verified(u64::MAX).await,
        Err(RegistryError::DigestMismatch { .. })
    ));
}

#[tokio::test]
async fn unreachable_registry_fails_after_bounded_retries() {
    // Bind then release a port so that nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let err = client()
        .ping(&format!("127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unreachable(_)), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
