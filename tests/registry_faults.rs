//! Pulls that go wrong: a corrupt blob in the registry, and `kill -9` of berthd in the middle of
//! a pull. Nothing half-done may be listed, and the next pull must complete.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use test_support::{require_root, Daemon, Registry};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// Pushes busybox plus a layer of `megabytes` of random data as `image`.
fn push_image(registry: &Registry, image: &str, megabytes: u32) {
    let d = Daemon::with_busybox();
    let script = format!("head -c {megabytes}000000 /dev/urandom > /big");
    ok(&d.docker(&["run", "--name", "maker", "busybox", "sh", "-c", &script]));
    ok(&d.docker(&["commit", "maker", image]));
    ok(&d.docker(&["push", image]));
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
    push_image(&registry, &image, 2);

    // Flip bytes in the middle of the biggest blob (the random layer), keeping its size.
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
    assert_eq!(ok(&d.docker(&["images", "-q", "-a"])).trim(), "");
    assert!(
        layer_dirs(&d).iter().all(|l| !l.starts_with("tmp-")),
        "{:?}",
        layer_dirs(&d)
    );
}

#[test]
fn kill_9_mid_pull_then_the_next_pull_completes() {
    require_root!();
    let registry = Registry::start();
    let image = format!("{}/big/one:1", registry.addr());
    push_image(&registry, &image, 40);

    let mut d = Daemon::start();
    let pull = d
        .docker_cmd(&["pull", &image])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the download start, then kill the daemon under it.
    std::thread::sleep(Duration::from_millis(150));
    d.kill9();
    let out = pull.wait_with_output().unwrap();
    let interrupted = out.status.code() != Some(0);
    eprintln!("pull interrupted by kill -9: {interrupted}");

    d.restart();
    let images = ok(&d.docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]));
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
    ok(&d.docker(&["pull", &image]));
    let out = ok(&d.docker(&["run", "--rm", &image, "sh", "-c", "wc -c < /big"]));
    assert_eq!(out.trim(), "40000000");
}
