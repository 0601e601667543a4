//! Mounts the planned overlay for real, inside a private mount namespace (`unshare -m`), so no
//! mount outlives the test.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use storage::{ContainerFs, MOUNT_DATA_LIMIT};

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Mounts `data` on `rootfs` in a throwaway mount namespace and runs `script` there.
fn in_overlay(data: &str, rootfs: &Path, script: &str) -> String {
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-ec"])
        .arg(format!(
            "mount -t overlay overlay -o \"$1\" \"$2\"; cd \"$2\"; {script}"
        ))
        .args(["sh", data, rootfs.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "overlay mount failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn layer(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    for (path, content) in files {
        fs::write(dir.join(path), content).unwrap();
    }
    dir
}

#[test]
fn prepares_mounts_and_removes() {
    if !is_root() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let top = layer(tmp.path(), "top", &[("a", "top")]);
    let bottom = layer(tmp.path(), "bottom", &[("a", "bottom"), ("b", "bottom")]);
    let container = tmp.path().join("container");
    fs::create_dir(&container).unwrap();

    let plan = ContainerFs::prepare(&container, &[top.clone(), bottom.clone()]).unwrap();
    assert_eq!(
        plan.mount_data,
        format!(
            "lowerdir={}:{},upperdir={},workdir={}",
            top.display(),
            bottom.display(),
            container.join("upper").display(),
            container.join("work").display()
        )
    );
    assert_eq!(plan.rootfs, container.join("rootfs"));
    let out = in_overlay(
        &plan.mount_data,
        &plan.rootfs,
        "cat a b; echo new > c; rm b",
    );
    assert_eq!(out, "topbottom");
    // The writes went to the upper dir; the lower dirs are untouched.
    assert_eq!(
        fs::read_to_string(container.join("upper/c")).unwrap(),
        "new\n"
    );
    assert!(bottom.join("b").exists());
    assert!(
        fs::read_dir(&plan.rootfs).unwrap().next().is_none(),
        "no mount leaked to the host"
    );

    // A second prepare (restart) keeps the changes.
    let again = ContainerFs::prepare(&container, &[top.clone(), bottom.clone()]).unwrap();
    assert_eq!(in_overlay(&again.mount_data, &again.rootfs, "ls"), "a\nc\n");

    // Overlay left work/work with mode 000; remove still gets rid of everything.
    let ww = container.join("work/work");
    assert_eq!(fs::metadata(&ww).unwrap().permissions().mode() & 0o777, 0);
    ContainerFs::remove(&container).unwrap();
    for name in ["upper", "work", "rootfs"] {
        assert!(!container.join(name).exists(), "{name} removed");
    }
    ContainerFs::remove(&container).unwrap();
    assert!(top.join("a").exists());
}

#[test]
fn many_deep_layers_use_short_links() {
    if !is_root() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let deep = tmp.path().join("layers").join("x".repeat(100));
    let lowers: Vec<PathBuf> = (0..60)
        .map(|i| {
            layer(
                &deep,
                &format!("{i:064x}"),
                &[(&format!("f{i}"), &i.to_string())],
            )
        })
        .collect();
    let container = tmp.path().join("c");
    fs::create_dir(&container).unwrap();
    let plan = ContainerFs::prepare(&container, &lowers).unwrap();
    assert!(
        plan.mount_data.len() <= MOUNT_DATA_LIMIT,
        "{}",
        plan.mount_data.len()
    );
    assert!(plan
        .mount_data
        .contains(&format!("{}/l/0:", container.display())));
    assert_eq!(
        in_overlay(&plan.mount_data, &plan.rootfs, "cat f0 f59"),
        "059"
    );
    ContainerFs::remove(&container).unwrap();
    assert!(!container.join("l").exists());
}

#[test]
fn image_without_layers_gets_an_empty_lower_dir() {
    if !is_root() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let plan = ContainerFs::prepare(tmp.path(), &[]).unwrap();
    assert!(plan
        .mount_data
        .starts_with(&format!("lowerdir={}/lower-empty,", tmp.path().display())));
    assert_eq!(
        in_overlay(&plan.mount_data, &plan.rootfs, "echo hi > x; cat x"),
        "hi\n"
    );
    ContainerFs::remove(tmp.path()).unwrap();
}

#[test]
fn missing_lower_dir_is_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let err = ContainerFs::prepare(tmp.path(), &[tmp.path().join("nope")]).unwrap_err();
    assert_eq!(
        errdefs::HasKind::kind(&err),
        errdefs::ErrorKind::InvalidArgument
    );
}

fn tar_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, content) in entries {
        let mut h = tar::Header::new_gnu();
        if path.ends_with('/') {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
        } else {
            h.set_mode(0o644);
            h.set_size(content.len() as u64);
        }
        h.set_path(path).unwrap();
        h.set_cksum();
        b.append(&h, content.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn applied_layers_with_whiteouts_mount_as_docker_would() {
    if !is_root() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let lower = tmp.path().join("l1");
    let upper_layer = tmp.path().join("l2");
    image::apply_layer(
        &lower,
        &tar_of(&[("a", "a"), ("keep", "k"), ("d/", ""), ("d/x", "x")])[..],
    )
    .unwrap();
    image::apply_layer(
        &upper_layer,
        &tar_of(&[
            (".wh.a", ""),
            ("d/", ""),
            ("d/.wh..wh..opq", ""),
            ("d/y", "y"),
        ])[..],
    )
    .unwrap();
    let container = tmp.path().join("c");
    fs::create_dir(&container).unwrap();
    let plan = ContainerFs::prepare(&container, &[upper_layer, lower]).unwrap();
    assert_eq!(
        in_overlay(&plan.mount_data, &plan.rootfs, "ls -A . d"),
        ".:\nd\nkeep\n\nd:\ny\n"
    );
    ContainerFs::remove(&container).unwrap();
}
