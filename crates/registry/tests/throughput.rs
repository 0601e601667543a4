//! Streaming speed of one large blob from a local docker-registry (not run by default):
//! `cargo test --release -p registry --test throughput -- --ignored --nocapture`.

use std::time::Instant;

use bytes::Bytes;
use futures_util::{stream, StreamExt};
use registry::{AuthConfig, Descriptor, RegistryClient, RegistryConfig};
use sha2::{Digest as _, Sha256};
use test_support::Registry;

#[tokio::test]
#[ignore = "measurement: run with --release --ignored"]
async fn stream_a_150_mb_blob() {
    const SIZE: usize = 150 << 20;
    // Incompressible-looking bytes (xorshift), like a gzip layer.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let data: Vec<u8> = (0..SIZE / 8)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect();
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(&data)));
    let reg = Registry::start();
    let client = RegistryClient::new(RegistryConfig::default());
    let anon = AuthConfig::anonymous();
    let r = image::Reference::parse(&format!("{}/bench/big:latest", reg.addr())).unwrap();

    let pieces: Vec<std::io::Result<Bytes>> = data
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let started = Instant::now();
    client
        .push_blob(&r, &anon, stream::iter(pieces), &digest, SIZE as u64)
        .await
        .unwrap();
    let push = started.elapsed();

    let desc = Descriptor::new("application/octet-stream", &digest, SIZE as i64);
    let started = Instant::now();
    let mut s = client.blob_stream(&r, &anon, &desc).await.unwrap();
    let mut n = 0usize;
    while let Some(chunk) = s.next().await {
        n += chunk.unwrap().len();
    }
    let pull = started.elapsed();
    assert_eq!(n, SIZE);
    let mb = SIZE as f64 / (1 << 20) as f64;
    println!(
        "push {mb:.0} MiB: {push:?} ({:.0} MiB/s); verified pull: {pull:?} ({:.0} MiB/s)",
        mb / push.as_secs_f64(),
        mb / pull.as_secs_f64()
    );
}
