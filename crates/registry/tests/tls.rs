//! An insecure registry (127.0.0.0/8) that serves HTTPS with a self-signed certificate: the TLS
//! attempt succeeds, so the client stays on HTTPS without verifying the certificate, as dockerd does.

use std::process::Command;

use bytes::Bytes;
use registry::manifest::{DOCKER_CONFIG, DOCKER_MANIFEST_V2};
use registry::{AuthConfig, Platform, RegistryClient, RegistryConfig};
use sha2::{Digest as _, Sha256};
use test_support::Registry;

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[tokio::test]
async fn insecure_registry_over_self_signed_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg = Registry::start_with_tls(&cert, &key);

    let client = RegistryClient::new(RegistryConfig::default());
    let anon = AuthConfig::anonymous();
    client.ping(&reg.addr()).await.unwrap();
    // Plain HTTP would get "400 Client sent an HTTP request to an HTTPS server": a working
    // push and pull prove the client chose HTTPS.
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": config.len(), "digest": digest(&config)},
        "layers": [],
    }))
    .unwrap();
    let r = image::Reference::parse(&format!("{}/tls/app:v1", reg.addr())).unwrap();
    client
        .push_blob_bytes(&r, &anon, Bytes::from(config.clone()), &digest(&config))
        .await
        .unwrap();
    client
        .push_manifest(&r, &anon, Bytes::from(manifest.clone()), DOCKER_MANIFEST_V2)
        .await
        .unwrap();
    let m = client
        .pull_manifest(&r, &anon, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m.raw_manifest, manifest);
    assert_eq!(
        client.fetch_config(&r, &anon, &m.config).await.unwrap(),
        config
    );
}
