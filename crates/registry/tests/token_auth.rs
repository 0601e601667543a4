//! Bearer-token auth (the flow of Docker Hub and most registries) against a real
//! `docker-registry` configured with `auth: token`, and a small token issuer written here:
//! it checks Basic credentials and signs ES256 JWTs with a key whose certificate the registry trusts.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use bytes::Bytes;
use errdefs::{ErrorKind, HasKind};
use registry::manifest::{DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST_V2};
use registry::{AuthConfig, Platform, RegistryClient, RegistryConfig, RegistryError};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use sha2::{Digest as _, Sha256};
use test_support::{Registry, TokenAuth};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SERVICE: &str = "berth-test-registry";
const ISSUER: &str = "berth-test-issuer";
const USER: &str = "tokenuser";
const PASS: &str = "tokenpass";
/// The refresh token (Docker's "identity token") the issuer accepts.
const REFRESH_TOKEN: &str = "refresh-4b1d";

/// The DER bytes inside the first PEM block of `pem`.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    STANDARD.decode(body).unwrap()
}

/// A P-256 key (PKCS#8) and a self-signed certificate for it, made with openssl(1).
fn make_signing_key(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", &format!("/CN={ISSUER}")])
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
    let key_der = pem_der(&std::fs::read_to_string(&key).unwrap());
    let cert_der = pem_der(&std::fs::read_to_string(&cert).unwrap());
    (key_der, cert_der)
}

struct Issuer {
    key: EcdsaKeyPair,
    cert_der: Vec<u8>,
}

impl Issuer {
    /// An ES256 JWT granting `actions` on each requested repository scope.
    fn token(&self, scopes: &[String]) -> String {
        let access: Vec<serde_json::Value> = scopes
            .iter()
            .filter_map(|s| {
                let mut parts = s.splitn(3, ':');
                let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
                Some(serde_json::json!({
                    "type": kind, "name": name,
                    "actions": actions.split(',').collect::<Vec<_>>(),
                }))
            })
            .collect();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({
            "typ": "JWT", "alg": "ES256", "x5c": [STANDARD.encode(&self.cert_der)],
        });
        let claims = serde_json::json!({
            "iss": ISSUER, "sub": USER, "aud": SERVICE,
            "exp": now + 600, "nbf": now - 60, "iat": now,
            "jti": format!("{now}-{}", scopes.len()), "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .unwrap();
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        )
    }
}

/// Percent-decoded `key=value` pairs of a query string or form body.
fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let decode = |x: &str| {
                percent_encoding::percent_decode_str(&x.replace('+', " "))
                    .decode_utf8_lossy()
                    .to_string()
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// Serves the token realm on 127.0.0.1, one request per connection: `GET` with Basic auth (the
/// password flow) and `POST grant_type=refresh_token` (identity tokens).
async fn serve_tokens(listener: tokio::net::TcpListener, issuer: Arc<Issuer>) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            return;
        };
        let issuer = issuer.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                match conn.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                })
            };
            let length: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < head_end + length {
                match conn.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
            let method = head.split_whitespace().next().unwrap_or("").to_string();
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let params = if method == "POST" {
                form_pairs(&body)
            } else {
                form_pairs(target.split_once('?').map(|(_, q)| q).unwrap_or(""))
            };
            let param = |k: &str| {
                params
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let scopes: Vec<String> = params
                .iter()
                .filter(|(k, _)| k == "scope")
                .flat_map(|(_, v)| v.split(' ').map(str::to_string).collect::<Vec<_>>())
                .collect();
            let basic = format!("Basic {}", STANDARD.encode(format!("{USER}:{PASS}")));
            let authorized = if method == "POST" {
                param("grant_type").as_deref() == Some("refresh_token")
                    && param("refresh_token").as_deref() == Some(REFRESH_TOKEN)
            } else {
                header("authorization").as_deref() == Some(basic.as_str())
            };
            let response = if authorized {
                let token = issuer.token(&scopes);
                let body = serde_json::json!({
                    "token": token, "access_token": token, "expires_in": 600,
                    "refresh_token": REFRESH_TOKEN,
                })
                .to_string();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                let body = r#"{"details":"incorrect username or password"}"#;
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = conn.write_all(response.as_bytes()).await;
            let _ = conn.shutdown().await;
        });
    }
}

/// A token issuer task and a registry that trusts it. Keep the TempDir alive with them.
async fn token_registry() -> (Registry, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (key_der, cert_der) = make_signing_key(dir.path());
    let key = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &key_der,
        &SystemRandom::new(),
    )
    .expect("PKCS#8 P-256 key");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    tokio::spawn(serve_tokens(listener, Arc::new(Issuer { key, cert_der })));
    let registry = tokio::task::spawn_blocking({
        let bundle = dir.path().join("cert.pem");
        move || {
            Registry::start_with_token_auth(TokenAuth {
                realm,
                service: SERVICE.to_string(),
                issuer: ISSUER.to_string(),
                root_cert_bundle: bundle,
            })
        }
    })
    .await
    .unwrap();
    (registry, dir)
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[tokio::test]
async fn bearer_login_push_and_pull() {
    let (reg, _keys) = token_registry().await;
    let host = reg.addr();
    let client = RegistryClient::new(RegistryConfig::default());
    let good = AuthConfig::basic(USER, PASS, &host);
    let wrong = AuthConfig::basic(USER, "nope", &host);

    client.login(&host, &good).await.unwrap();
    let err = client.login(&host, &wrong).await.unwrap_err();
    assert!(matches!(err, RegistryError::LoginFailed { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("401 Unauthorized"), "{err}");

    // A one-layer image pushed and pulled back with tokens scoped per repository.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"not even a tar, the registry does not care")
        .unwrap();
    let layer = gz.finish().unwrap();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": config.len(), "digest": digest(&config)},
        "layers": [{"mediaType": DOCKER_LAYER_GZIP, "size": layer.len(), "digest": digest(&layer)}],
    }))
    .unwrap();
    let r = image::Reference::parse(&format!("{host}/token/app:v1")).unwrap();
    assert!(!client
        .blob_exists(&r, &good, &digest(&layer))
        .await
        .unwrap());
    client
        .push_blob_bytes(&r, &good, Bytes::from(layer.clone()), &digest(&layer))
        .await
        .unwrap();
    client
        .push_blob_bytes(&r, &good, Bytes::from(config.clone()), &digest(&config))
        .await
        .unwrap();
    client
        .push_manifest(&r, &good, Bytes::from(manifest.clone()), DOCKER_MANIFEST_V2)
        .await
        .unwrap();

    let m = client
        .pull_manifest(&r, &good, &Platform::default())
        .await
        .unwrap();
    assert_eq!(m.raw_manifest, manifest);
    assert_eq!(
        client.fetch_config(&r, &good, &m.config).await.unwrap(),
        config
    );
    let got = client
        .blob_stream(&r, &good, &m.layers[0])
        .await
        .unwrap()
        .collect_verified(u64::MAX)
        .await
        .unwrap();
    assert_eq!(got, layer);

    let err = client
        .pull_manifest(&r, &AuthConfig::anonymous(), &Platform::default())
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn identity_token_is_exchanged_for_access_tokens() {
    let (reg, _keys) = token_registry().await;
    let host = reg.addr();
    let client = RegistryClient::new(RegistryConfig::default());
    let identity = AuthConfig {
        identity_token: REFRESH_TOKEN.to_string(),
        server_address: host.clone(),
        ..AuthConfig::default()
    };
    let stale = AuthConfig {
        identity_token: "expired".to_string(),
        ..identity.clone()
    };

    client.login(&host, &identity).await.unwrap();
    let err = client.login(&host, &stale).await.unwrap_err();
    assert!(matches!(err, RegistryError::LoginFailed { .. }), "{err:?}");

    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec();
    let r = image::Reference::parse(&format!("{host}/sso/app:v1")).unwrap();
    client
        .push_blob_bytes(&r, &identity, Bytes::from(config.clone()), &digest(&config))
        .await
        .unwrap();
    assert!(client
        .blob_exists(&r, &identity, &digest(&config))
        .await
        .unwrap());
    let err = client
        .blob_exists(&r, &stale, &digest(&config))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal, "{err:?}");
}
