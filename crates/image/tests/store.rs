//! The image store end to end: import, resolve, tag, list, delete, reopen.

mod common;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use errdefs::{ErrorKind, HasKind};
use image::{sha256_digest, DeleteItem, ImageId, ImageStore, ImageUser, Reference};

fn rootfs_tar(marker: &str) -> Vec<u8> {
    common::tar_of(&[
        ("bin/tool", 0o755, b"#!/bin/sh\necho tool\n"),
        ("etc/marker", 0o644, marker.as_bytes()),
    ])
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn r(s: &str) -> Reference {
    Reference::parse(s).unwrap()
}

fn nobody(_: &ImageId) -> Option<ImageUser> {
    None
}

fn changes(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn import_resolve_and_layer_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let tar = rootfs_tar("one");
    let id = store
        .import(
            &tar[..],
            "Imported from -",
            &changes(&[r#"CMD ["/bin/tool"]"#, "ENV A=b"]),
            Some(&r("test")),
        )
        .unwrap();

    // The id is the digest of the stored config bytes, and the diff id that of the tar stream.
    let bytes = store.config_bytes(&id).unwrap();
    assert_eq!(sha256_digest(&bytes), id.as_str());
    assert_eq!(
        fs::read(tmp.path().join("content/blobs/sha256").join(id.hex())).unwrap(),
        bytes
    );
    let img = store.resolve("test").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(img.repo_tags, ["test:latest"]);
    assert_eq!(img.config.rootfs.diff_ids, [sha256_digest(&tar)]);
    assert_eq!(
        img.config.config.cmd.as_deref(),
        Some(&["/bin/tool".to_string()][..])
    );
    assert_eq!(
        img.config.config.env.as_deref(),
        Some(&["A=b".to_string()][..])
    );
    assert_eq!(img.config.comment, "Imported from -");
    assert_eq!(img.config.os, "linux");
    assert!(img.created_unix() > 1_700_000_000);
    assert_eq!(img.size, (b"#!/bin/sh\necho tool\n".len() + 3) as u64);

    for name in [
        "test:latest",
        "docker.io/library/test",
        id.as_str(),
        id.hex(),
        &id.hex()[..5],
        "sha256:0",
    ] {
        if name == "sha256:0" && !id.hex().starts_with('0') {
            continue;
        }
        assert_eq!(store.resolve(name).unwrap().id, id, "{name}");
    }
    let dirs = store.layer_dirs(&img).unwrap();
    assert_eq!(dirs.len(), 1);
    assert_eq!(
        dirs[0],
        tmp.path()
            .join("layers")
            .join(&sha256_digest(&tar)["sha256:".len()..])
            .join("diff")
    );
    assert_eq!(fs::read(dirs[0].join("etc/marker")).unwrap(), b"one");
    assert_eq!(
        fs::metadata(dirs[0].join("bin/tool"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    let repos: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("images/repositories.json")).unwrap())
            .unwrap();
    assert_eq!(repos["docker.io/library/test:latest"], id.as_str());

    // A gzip of the same tar is the same layer (same diff id, same directory).
    let id2 = store
        .import(&gzip(&tar)[..], "gz", &[], Some(&r("test:gz")))
        .unwrap();
    let img2 = store.resolve("test:gz").unwrap();
    assert_ne!(id2, id);
    assert_eq!(img2.config.rootfs.diff_ids, img.config.rootfs.diff_ids);
    assert_eq!(store.layer_dirs(&img2).unwrap(), dirs);
}

#[test]
fn not_found_and_invalid_names() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let err = store.resolve("nope").unwrap_err();
    assert_eq!(err.to_string(), "No such image: nope:latest");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        store
            .resolve("localhost:5000/a/b:1")
            .unwrap_err()
            .to_string(),
        "No such image: localhost:5000/a/b:1"
    );
    let full = "a".repeat(64);
    assert_eq!(
        store.resolve(&full).unwrap_err().to_string(),
        format!("No such image: sha256:{full}")
    );
    let err = store.resolve("UPPER").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        err.to_string(),
        "invalid reference format: repository name (library/UPPER) must be lowercase"
    );
    assert_eq!(
        store.resolve("abc").unwrap_err().to_string(),
        "No such image: abc:latest"
    );
}

#[test]
fn bad_input_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let err = store
        .import(&rootfs_tar("x")[..], "", &changes(&["RUN rm -rf /"]), None)
        .unwrap_err();
    assert_eq!(err.to_string(), "run is not a valid change command");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = store.import(&[7u8; 4096][..], "", &[], None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(fs::read_dir(tmp.path().join("layers")).unwrap().count(), 0);
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn tag_untag_list_and_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let id = {
        let store = ImageStore::open(tmp.path()).unwrap();
        let id = store.import(&rootfs_tar("t")[..], "", &[], None).unwrap();
        assert!(
            store.list().unwrap()[0].repo_tags.is_empty(),
            "untagged import is dangling"
        );
        store
            .tag(id.as_str(), &r("localhost:5000/team/app:1.0"))
            .unwrap();
        store.tag("localhost:5000/team/app:1.0", &r("app")).unwrap();
        store.tag("app", &r("app:two")).unwrap();
        assert_eq!(store.untag(&r("app:two")).unwrap(), id);
        assert_eq!(
            store.untag(&r("app:two")).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(store.tag("nope", &r("x")).is_err());
        id
    };
    let store = ImageStore::open(tmp.path()).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(
        list[0].repo_tags,
        ["app:latest", "localhost:5000/team/app:1.0"]
    );
    assert_eq!(
        store.resolve("app").unwrap().size,
        (b"#!/bin/sh\necho tool\n".len() + 1) as u64
    );
}

#[test]
fn delete_follows_docker() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let tar = rootfs_tar("d");
    let layer_dir = tmp
        .path()
        .join("layers")
        .join(&sha256_digest(&tar)["sha256:".len()..]);
    let id = store.import(&tar[..], "", &[], Some(&r("one"))).unwrap();
    store.tag("one", &r("two:v1")).unwrap();

    // By id with two tags: a soft conflict.
    let err = store.delete(&id.hex()[..12], false, &nobody).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        err.to_string(),
        format!("conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories", id.short())
    );

    // By tag with another tag left: only untagged.
    assert_eq!(
        store.delete("one", false, &nobody).unwrap(),
        [DeleteItem::Untagged("one:latest".into())]
    );

    // Used by a container: 409 unless forced.
    let container = "c".repeat(64);
    let stopped = |_: &ImageId| {
        Some(ImageUser {
            container_id: "c".repeat(64),
            running: false,
        })
    };
    let running = |_: &ImageId| {
        Some(ImageUser {
            container_id: "c".repeat(64),
            running: true,
        })
    };
    let err = store.delete("two:v1", false, &stopped).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: unable to remove repository reference \"two:v1\" (must force) - container {} is using its referenced image {}",
            &container[..12],
            id.short()
        )
    );
    let err = store.delete(id.as_str(), false, &stopped).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: unable to delete {} (must be forced) - image is being used by stopped container {}",
            id.short(),
            &container[..12]
        )
    );
    let err = store.delete(id.as_str(), true, &running).unwrap_err();
    assert!(
        err.to_string()
            .contains("(cannot be forced) - image is being used by running container"),
        "{err}"
    );
    // Forced removal of the last tag of an image a running container uses only untags it.
    assert_eq!(
        store.delete("two:v1", true, &running).unwrap(),
        [DeleteItem::Untagged("two:v1".into())]
    );
    assert!(store.resolve(id.as_str()).is_ok());

    // By id, dangling and unused: image and layer go.
    let items = store.delete(id.as_str(), false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Deleted(id.to_string()),
            DeleteItem::Deleted(sha256_digest(&tar))
        ]
    );
    assert!(!layer_dir.exists());
    assert_eq!(
        store.resolve(id.as_str()).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(!tmp
        .path()
        .join("content/blobs/sha256")
        .join(id.hex())
        .exists());
}

#[test]
fn last_tag_deletes_image_and_unshared_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let tar = rootfs_tar("shared");
    let a = store.import(&tar[..], "a", &[], Some(&r("a"))).unwrap();
    let b = store.import(&tar[..], "b", &[], Some(&r("b"))).unwrap();
    assert_ne!(a, b);
    let items = store.delete("a", false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("a:latest".into()),
            DeleteItem::Deleted(a.to_string())
        ]
    );
    let img_b = store.resolve("b").unwrap();
    assert!(
        store.layer_dirs(&img_b).unwrap()[0]
            .join("etc/marker")
            .exists(),
        "shared layer kept"
    );
    let items = store.delete("b", false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("b:latest".into()),
            DeleteItem::Deleted(b.to_string()),
            DeleteItem::Deleted(sha256_digest(&tar))
        ]
    );
    // With force, an image a stopped container uses is deleted but its layer stays for the container.
    let c = store.import(&tar[..], "c", &[], Some(&r("c"))).unwrap();
    let dir = store
        .layer_dirs(&store.resolve("c").unwrap())
        .unwrap()
        .remove(0);
    let stopped = |_: &ImageId| {
        Some(ImageUser {
            container_id: "d".repeat(64),
            running: false,
        })
    };
    let items = store.delete("c", true, &stopped).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("c:latest".into()),
            DeleteItem::Deleted(c.to_string())
        ]
    );
    assert!(dir.join("etc/marker").exists());
    // Once the container is gone, the orphaned layer can be collected.
    assert!(store
        .remove_unused_layers(std::slice::from_ref(&dir))
        .unwrap()
        .is_empty());
    assert_eq!(
        store.remove_unused_layers(&[]).unwrap(),
        [sha256_digest(&tar)]
    );
    assert!(!dir.exists());
}

#[test]
fn imports_gnu_tar_of_a_busybox_rootfs() {
    let busybox = Path::new("/bin/busybox");
    if !busybox.exists() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    fs::create_dir_all(src.path().join("bin")).unwrap();
    fs::copy(busybox, src.path().join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", src.path().join("bin/sh")).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-C")
        .arg(src.path())
        .args(["-c", "."])
        .output()
        .unwrap();
    assert!(out.status.success());

    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let id = store
        .import(
            &gzip(&out.stdout)[..],
            "Imported from -",
            &changes(&["CMD sh"]),
            Some(&r("busybox")),
        )
        .unwrap();
    let img = store.resolve("busybox:latest").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(img.config.rootfs.diff_ids, [sha256_digest(&out.stdout)]);
    assert_eq!(
        img.config.config.cmd.as_deref(),
        Some(&["/bin/sh".to_string(), "-c".into(), "sh".into()][..])
    );
    let dir = &store.layer_dirs(&img).unwrap()[0];
    assert_eq!(
        fs::metadata(dir.join("bin/busybox")).unwrap().len(),
        fs::metadata(busybox).unwrap().len()
    );
    assert_eq!(
        fs::read_link(dir.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );

    // The original stream comes back byte for byte (what save and push need).
    let mut again = Vec::new();
    store.layer_tar(&img.chain_ids[0], &mut again).unwrap();
    assert!(again == out.stdout, "layer tar reproduced exactly");
    let err = store
        .layer_tar(&sha256_digest(b"nope"), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn concurrent_imports_and_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(ImageStore::open(tmp.path()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for j in 0..3 {
                    let tag = r(&format!("img{i}:v{j}"));
                    store
                        .import(&rootfs_tar(&format!("{i}-{j}"))[..], "", &[], Some(&tag))
                        .unwrap();
                    store
                        .tag(&tag.to_string(), &r(&format!("alias{i}:v{j}")))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let reopened = ImageStore::open(tmp.path()).unwrap();
    let list = reopened.list().unwrap();
    assert_eq!(list.len(), 12);
    assert!(list.iter().all(|img| img.repo_tags.len() == 2));
}

#[test]
fn imports_tar_crate_builder_output_with_long_names() {
    let src = tempfile::tempdir().unwrap();
    let long = format!("{}/{}", "d".repeat(90), "f".repeat(120));
    fs::create_dir_all(src.path().join("d".repeat(90))).unwrap();
    fs::write(src.path().join(&long), b"long").unwrap();
    fs::create_dir_all(src.path().join("bin")).unwrap();
    fs::write(src.path().join("bin/a"), b"a").unwrap();
    fs::hard_link(src.path().join("bin/a"), src.path().join("bin/b")).unwrap();
    for prefix in [".", ""] {
        let mut b = tar::Builder::new(Vec::new());
        b.append_dir_all(prefix, src.path()).unwrap();
        let tar = b.into_inner().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = ImageStore::open(tmp.path()).unwrap();
        store.import(&tar[..], "", &[], Some(&r("built"))).unwrap();
        let dir = &store.layer_dirs(&store.resolve("built").unwrap()).unwrap()[0];
        assert_eq!(
            fs::read(dir.join(&long)).unwrap(),
            b"long",
            "prefix {prefix:?}"
        );
        assert_eq!(fs::read(dir.join("bin/b")).unwrap(), b"a");
        let img = store.resolve("built").unwrap();
        let mut again = Vec::new();
        store.layer_tar(&img.chain_ids[0], &mut again).unwrap();
        assert_eq!(sha256_digest(&again), img.config.rootfs.diff_ids[0]);
        assert!(again == tar);
    }
}

#[test]
fn a_layer_that_rewrites_its_own_file_imports_but_cannot_be_exported() {
    let mut b = tar::Builder::new(Vec::new());
    for data in ["one", "two"] {
        let mut h = tar::Header::new_gnu();
        h.set_path("f").unwrap();
        h.set_mode(0o644);
        h.set_size(3);
        h.set_cksum();
        b.append(&h, data.as_bytes()).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    store.import(&tar[..], "", &[], Some(&r("twice"))).unwrap();
    let img = store.resolve("twice").unwrap();
    assert_eq!(
        fs::read(store.layer_dirs(&img).unwrap()[0].join("f")).unwrap(),
        b"two"
    );
    let err = store
        .layer_tar(&img.chain_ids[0], &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotImplemented, "{err}");
}

#[test]
fn removing_one_of_several_tags_of_a_used_image_only_untags() {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(dir.path()).unwrap();
    let id = store
        .import(rootfs_tar("used").as_slice(), "", &[], Some(&r("first:v1")))
        .unwrap();
    store.tag(id.as_str(), &r("second:v2")).unwrap();
    let used = |_: &ImageId| {
        Some(ImageUser {
            container_id: "d".repeat(64),
            running: true,
        })
    };
    assert_eq!(
        store.delete("second:v2", false, &used).unwrap(),
        [DeleteItem::Untagged("second:v2".into())]
    );
    // Now "first:v1" is the last reference: removing it needs force.
    let err = store.delete("first:v1", false, &used).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn imports_a_zstd_compressed_layer_with_the_plain_diff_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(dir.path()).unwrap();
    let tar = rootfs_tar("zstd");
    let zst = zstd::stream::encode_all(&tar[..], 3).unwrap();
    let id = store.import(&zst[..], "", &[], Some(&r("zst:1"))).unwrap();
    let image = store.resolve("zst:1").unwrap();
    assert_eq!(image.id, id);
    // The diff id is the digest of the uncompressed tar, whatever the transport compression.
    assert_eq!(image.config.rootfs.diff_ids, [sha256_digest(&tar)]);
    let top = &store.layer_dirs(&image).unwrap()[0];
    assert_eq!(fs::read(top.join("etc/marker")).unwrap(), b"zstd");
}
