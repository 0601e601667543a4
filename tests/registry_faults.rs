//! Pulls that go wrong: a corrupt blob in the registry, and `kill -9` of berthd in the middle of
//! a pull. Nothing half-done may be listed, and the next pull must complete, reusing the blob
//! bytes the first one had stored.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use test_support::{expect_success, require_root, stderr, stdout, Daemon, Registry};

/// Pushes busybox plus a layer of `megabytes` of random data as `image`.
fn push_image(registry: &Registry, image: &str, megabytes: u32) {
    let d = Daemon::with_busybox();
    let script = format!("head -c {megabytes}000000 /dev/urandom > /big");
    expect_success(d.docker(&["run", "--name", "maker", "busybox", "sh", "-c", &script]));
    expect_success(d.docker(&["commit", "maker", image]));
    expect_success(d.docker(&["push", image]));
    let _ = registry;
}

/// Every blob file in the registry's storage, largest first.
fn registry_blobs(registry: &Registry) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n == "data")
                && path.to_string_lossy().contains("/blobs/")
            {
                out.push(path);
            }
        }
    }
    let mut blobs = Vec::new();
    walk(&registry.storage_root(), &mut blobs);
    blobs.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    blobs
}

/// Layer directories the store holds (committed or temporary).
fn layer_dirs(d: &Daemon) -> Vec<String> {
    std::fs::read_dir(d.scratch().join("root/layers"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn corrupt_blob_fails_the_pull_and_leaves_nothing() {
    require_root!();
    let registry = Registry::start();
    let image = format!("{}/bad/blob:1", registry.addr());
    // The random layer is large enough that busybox's (the first) is committed before it fails.
    push_image(&registry, &image, 8);

    // Flip bytes in the middle of the biggest blob (the random second layer), keeping its size.
    let blob = registry_blobs(&registry).remove(0);
    let mut bytes = std::fs::read(&blob).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0xff;
    }
    std::fs::write(&blob, &bytes).unwrap();

    let d = Daemon::start();
    let out = d.docker(&["pull", &image]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("digest") || stderr(&out).contains("invalid"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Pull complete"),
        "the first layer was not committed before the failure:\n{}",
        stdout(&out)
    );
    assert_eq!(expect_success(d.docker(&["images", "-q", "-a"])).trim(), "");
    // No image exists, so no layer may be left: neither a half-unpacked `tmp-` directory nor the
    // committed first layer.
    assert_eq!(layer_dirs(&d), Vec::<String>::new());
    let df = expect_success(d.docker(&["system", "df", "--format", "{{.Type}} {{.Size}}"]));
    assert!(df.lines().any(|l| l == "Images 0B"), "{df}");
    let df = d.request("GET", "/v1.41/system/df", None).unwrap().json();
    assert_eq!(df["LayersSize"], 0, "{df}");
    // Nothing is remembered about blobs of layers that are gone.
    let sources = std::fs::read_to_string(d.scratch().join("root/distribution/blob-sources.json"))
        .unwrap_or_default();
    assert!(!sources.contains("sha256"), "{sources}");

    // The registry is repaired: the next pull downloads everything and completes.
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0xff;
    }
    std::fs::write(&blob, &bytes).unwrap();
    expect_success(d.docker(&["pull", &image]));
    assert_eq!(layer_dirs(&d).len(), 2, "{:?}", layer_dirs(&d));
    let out = expect_success(d.docker(&["run", "--rm", &image, "sh", "-c", "wc -c < /big"]));
    assert_eq!(out.trim(), "8000000");

    // Deleting the image removes its layers, and `system df` says so.
    expect_success(d.docker(&["rmi", &image]));
    assert_eq!(layer_dirs(&d), Vec::<String>::new());
    let df = d.request("GET", "/v1.41/system/df", None).unwrap().json();
    assert_eq!(df["LayersSize"], 0, "{df}");
    let sources = std::fs::read_to_string(d.scratch().join("root/distribution/blob-sources.json"))
        .unwrap_or_default();
    assert!(!sources.contains("sha256"), "{sources}");
}

/// Bytes of layer and config blobs the registry sent (`GET …/blobs/…` lines of its log).
fn blob_bytes_served(log: &str) -> u64 {
    log.lines()
        .filter(|l| l.contains("http.request.method=GET") && l.contains("/blobs/sha256:"))
        .filter_map(|l| {
            let rest = l.split("http.response.written=").nth(1)?;
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

/// Bytes in berthd's `content/ingest` and `content/blobs` (what a resumed pull can reuse).
fn local_content_bytes(d: &Daemon) -> u64 {
    let content = d.scratch().join("root/content");
    ["ingest", "blobs/sha256"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(content.join(sub))
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn kill_9_mid_pull_then_the_next_pull_completes_and_reuses_the_blobs() {
    require_root!();
    let registry = Registry::start();
    let image = format!("{}/big/one:1", registry.addr());
    push_image(&registry, &image, 40);
    let big_blob = std::fs::metadata(registry_blobs(&registry).remove(0))
        .unwrap()
        .len();

    let mut d = Daemon::start();
    let pull = d
        .docker_cmd(&["pull", &image])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let a good part of the big layer arrive, then kill the daemon under it.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while local_content_bytes(&d) < 8_000_000 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    d.kill9();
    let out = pull.wait_with_output().unwrap();
    let interrupted = out.status.code() != Some(0);
    let kept = local_content_bytes(&d);
    eprintln!("pull interrupted by kill -9: {interrupted}; {kept} bytes kept on disk");

    d.restart();
    let images = expect_success(d.docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]));
    if interrupted {
        assert!(
            !images.contains("big/one"),
            "partial image listed: {images}"
        );
    }
    assert!(
        layer_dirs(&d).iter().all(|l| !l.starts_with("tmp-")),
        "{:?}",
        layer_dirs(&d)
    );
    let log_before = registry.log().len();
    let second = expect_success(d.docker(&["pull", &image]));
    let served = blob_bytes_served(registry.log().get(log_before..).unwrap_or(""));
    eprintln!("second pull: {served} of {big_blob} blob bytes from the registry\n{second}");
    // The kept bytes (at least 8 MB of the big layer, or all of it) are not sent again.
    assert!(
        served < big_blob.saturating_sub(4_000_000),
        "second pull fetched {served} of {big_blob} bytes; registry log:\n{}",
        registry.log()
    );
    let out = expect_success(d.docker(&["run", "--rm", &image, "sh", "-c", "wc -c < /big"]));
    assert_eq!(out.trim(), "40000000");
    // Unpacked layers do not keep their compressed blobs: what is left is the image config
    // (the image store keeps configs in the same content store).
    let ingest = std::fs::read_dir(d.scratch().join("root/content/ingest"))
        .into_iter()
        .flatten()
        .count();
    assert_eq!(ingest, 0, "ingest files left behind");
    let left = local_content_bytes(&d);
    assert!(left < 100_000, "{left} bytes of blobs kept after the pull");
}
