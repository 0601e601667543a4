//! Layers outlive a force-deleted image while a container uses them, and go once nothing does.

use std::process::Command;
use std::time::Duration;

use test_support::{eventually, expect_success, require_root, Daemon};

/// Committed layer directories (`tmp-` leftovers excluded).
fn layers(d: &Daemon) -> Vec<String> {
    std::fs::read_dir(d.scratch().join("root/layers"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("tmp-"))
        .collect()
}

fn layers_size(d: &Daemon) -> u64 {
    let df = d.request("GET", "/v1.41/system/df", None).unwrap().json();
    df["LayersSize"].as_u64().unwrap_or(u64::MAX)
}

#[test]
fn force_deleted_image_keeps_the_layers_its_container_mounts_until_it_is_removed() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["run", "--name", "user1", "busybox", "true"]));
    let before = layers(&d);
    assert_eq!(before.len(), 1, "{before:?}");

    // dockerd: with force, an image a stopped container uses is deleted (untagged and removed);
    // the container keeps its layers.
    let out = expect_success(d.docker(&["rmi", "-f", "busybox"]));
    assert!(out.contains("Untagged: busybox:latest"), "{out}");
    assert_eq!(out.matches("Deleted: ").count(), 1, "only the image: {out}");
    assert_eq!(layers(&d), before);
    assert_eq!(
        expect_success(d.docker(&["start", "-a", "user1"])).trim(),
        "",
        "the container still starts"
    );

    // Another image with the same layer comes and goes: the container's layer stays.
    d.import_busybox();
    expect_success(d.docker(&["rmi", "busybox"]));
    assert_eq!(layers(&d), before);
    // Nor does prune take it while the container exists.
    let out = expect_success(d.docker(&["image", "prune", "-a", "-f"]));
    assert!(out.contains("Total reclaimed space: 0B"), "{out}");
    assert_eq!(layers(&d), before);
    let out = expect_success(d.docker(&["start", "-a", "user1"]));
    assert_eq!(out.trim(), "");
    assert!(layers_size(&d) > 1_000_000, "busybox is on disk");

    // The container goes, and so do the layers kept for it (as dockerd releases them).
    expect_success(d.docker(&["rm", "user1"]));
    assert!(
        eventually(Duration::from_secs(5), || layers(&d).is_empty()),
        "{:?}",
        layers(&d)
    );
    // Counted until the renamed directory is deleted too.
    assert!(eventually(Duration::from_secs(5), || layers_size(&d) == 0));
}

#[test]
fn prune_removes_unreferenced_layers_and_counts_them() {
    require_root!();
    let d = Daemon::with_busybox();
    let used = layers(&d);
    assert_eq!(used.len(), 1, "{used:?}");
    // A committed layer no image names (what a failed load or a crashed pull leaves): a copy of
    // busybox's under another chain id.
    let root = d.scratch().join("root/layers");
    let orphan = "0".repeat(64);
    let copied = Command::new("cp")
        .arg("-a")
        .arg(root.join(&used[0]))
        .arg(root.join(&orphan))
        .status()
        .unwrap();
    assert!(copied.success());

    let out = expect_success(d.docker(&["image", "prune", "-f"]));
    assert!(out.contains(&format!("deleted: sha256:{orphan}")), "{out}");
    assert!(!out.contains("Total reclaimed space: 0B"), "{out}");
    assert_eq!(layers(&d), used);
    // The image is untouched.
    let out = expect_success(d.docker(&["run", "--rm", "busybox", "echo", "fine"]));
    assert_eq!(out.trim(), "fine");
}

#[test]
fn startup_removes_unreferenced_layers_older_than_a_day() {
    require_root!();
    let mut d = Daemon::with_busybox();
    let used = layers(&d);
    let root = d.scratch().join("root/layers");
    let (old, fresh) = ("1".repeat(64), "2".repeat(64));
    for orphan in [&old, &fresh] {
        let copied = Command::new("cp")
            .arg("-a")
            .arg(root.join(&used[0]))
            .arg(root.join(orphan))
            .status()
            .unwrap();
        assert!(copied.success());
    }
    // The old one was committed by a pull that crashed two days ago; the fresh one just now
    // (kept: the next pull of its image resumes from it).
    let touched = Command::new("touch")
        .args(["-d", "2 days ago"])
        .arg(root.join(&old).join("layer.json"))
        .status()
        .unwrap();
    assert!(touched.success());
    d.restart();
    let mut left = layers(&d);
    left.sort();
    let mut expected = vec![fresh, used[0].clone()];
    expected.sort();
    assert_eq!(left, expected);
    let out = expect_success(d.docker(&["run", "--rm", "busybox", "echo", "fine"]));
    assert_eq!(out.trim(), "fine");
}
