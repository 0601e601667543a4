//! `save` and `load`: round trips, and archives that lie or try to escape.

mod common;

use std::fs;
use std::io::Read;

use errdefs::{ErrorKind, HasKind};
use image::{CommitOptions, ImageStore, LoadedImage};

fn rootfs_tar() -> Vec<u8> {
    common::tar_of(&[
        ("bin/tool", 0o755, b"tool"),
        ("etc/os-release", 0o755, b"berth"),
    ])
}

use common::r;

/// Members of a tar, by name.
fn members(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut a = tar::Archive::new(archive);
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.push((name, data));
    }
    out
}

fn archive_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn save_then_load_round_trips() {
    let src_dir = tempfile::tempdir().unwrap();
    let src = ImageStore::open(src_dir.path()).unwrap();
    let base = src
        .import(&rootfs_tar()[..], "Imported from -", &[], Some(&r("app:1")))
        .unwrap();
    let upper = src_dir.path().join("upper");
    fs::create_dir(&upper).unwrap();
    fs::write(upper.join("added"), "added").unwrap();
    let child = src
        .commit(
            &base,
            &upper,
            CommitOptions {
                tag: Some(r("app:2")),
                comment: "c".into(),
                ..Default::default()
            },
        )
        .unwrap();

    let mut saved = Vec::new();
    src.save(&["app:1".to_string(), "app:2".to_string()], &mut saved)
        .unwrap();
    let files = members(&saved);
    let manifest = &files.iter().find(|(n, _)| n == "manifest.json").unwrap().1;
    let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    assert_eq!(manifest[0]["RepoTags"][0], "app:1");
    assert_eq!(manifest[1]["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(
        manifest[0]["Layers"][0], manifest[1]["Layers"][0],
        "shared layer written once and shared"
    );
    let layer_blobs: Vec<&str> = manifest[1]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for layer in &layer_blobs {
        assert_eq!(
            files.iter().filter(|(n, _)| n == layer).count(),
            1,
            "{layer} written once"
        );
    }
    assert_eq!(manifest[1]["Parent"], base.as_str(), "parent saved with it");
    assert!(manifest[0].get("Parent").is_none());
    let config = &files
        .iter()
        .find(|(n, _)| *n == format!("blobs/sha256/{}", child.hex()))
        .unwrap()
        .1;
    assert_eq!(
        *config,
        src.config_bytes(&child).unwrap(),
        "config bytes kept exactly"
    );

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = ImageStore::open(dst_dir.path()).unwrap();
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&saved).unwrap();
        e.finish().unwrap()
    };
    let loaded = dst.load(&gz[..]).unwrap();
    assert_eq!(
        loaded,
        [
            LoadedImage {
                id: base.clone(),
                tags: vec!["app:1".into()]
            },
            LoadedImage {
                id: child.clone(),
                tags: vec!["app:2".into()]
            }
        ]
    );
    let img = dst.resolve("app:2").unwrap();
    assert_eq!(
        img.parent,
        Some(base.clone()),
        "Parent link loaded with its parent"
    );
    assert_eq!(dst.resolve("app:1").unwrap().parent, None);
    let dirs = dst.layer_dirs(&img).unwrap();
    assert_eq!(fs::read(dirs[0].join("added")).unwrap(), b"added");
    assert_eq!(fs::read(dirs[1].join("etc/os-release")).unwrap(), b"berth");
    // Loading the same archive again is a no-op that still reports the images.
    assert_eq!(dst.load(&saved[..]).unwrap().len(), 2);
    assert_eq!(dst.list().unwrap().len(), 2);

    // Saved by id: no tags.
    let mut by_id = Vec::new();
    src.save(&[base.hex()[..12].to_string()], &mut by_id)
        .unwrap();
    let files = members(&by_id);
    let manifest: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1)
            .unwrap();
    assert!(manifest[0]["RepoTags"].is_null());
    assert_eq!(
        src.save(&["nope".to_string()], &mut Vec::new())
            .unwrap_err()
            .to_string(),
        "No such image: nope:latest"
    );
}

#[test]
fn load_refuses_lies_and_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside.json");
    let layer = rootfs_tar();
    let diff_id = image::sha256_digest(&layer);
    let config =
        format!(r#"{{"os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#);
    fs::write(&outside, &config).unwrap();
    let store = ImageStore::open(&tmp.path().join("data")).unwrap();

    // Paths that climb out of the archive.
    let manifest =
        r#"[{"Config":"../../outside.json","RepoTags":["x:1"],"Layers":["l/layer.tar"]}]"#;
    let err = store
        .load(&archive_of(&[("manifest.json", manifest.as_bytes())])[..])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");

    // A symlink member pointing outside resolves inside the archive: nothing there.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "c.json", &outside).unwrap();
    let manifest = r#"[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l/layer.tar"]}]"#;
    let mut mh = tar::Header::new_gnu();
    mh.set_size(manifest.len() as u64);
    mh.set_mode(0o644);
    b.append_data(&mut mh, "manifest.json", manifest.as_bytes())
        .unwrap();
    let err = store.load(&b.into_inner().unwrap()[..]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");

    // A layer whose content does not match its diff id.
    let manifest = r#"[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l/layer.tar"]}]"#;
    let tampered = archive_of(&[("evil", b"evil")]);
    let archive = archive_of(&[
        ("manifest.json", manifest.as_bytes()),
        ("c.json", config.as_bytes()),
        ("l/layer.tar", &tampered),
    ]);
    let err = store.load(&archive[..]).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid diffID for layer 0"),
        "{err}"
    );

    // The honest version of the same archive loads.
    let archive = archive_of(&[
        ("manifest.json", manifest.as_bytes()),
        ("c.json", config.as_bytes()),
        ("l/layer.tar", &layer),
    ]);
    let loaded = store.load(&archive[..]).unwrap();
    assert_eq!(loaded[0].tags, ["x:1"]);
    assert!(store.list().unwrap().len() == 1);
    let leftovers: Vec<_> = fs::read_dir(tmp.path().join("data/layers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn pulled_layers_and_configs_are_checked_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let layer = rootfs_tar();
    let diff_id = image::sha256_digest(&layer);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#
    );

    let err = store.add_image(config.as_bytes(), &[]).unwrap_err();
    assert!(err.to_string().contains("is missing"), "{err}");
    let wrong = image::sha256_digest(b"other");
    let err = store.add_layer(&layer[..], None, &wrong).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid diffID for layer"),
        "{err}"
    );
    assert!(!store.has_layer(&wrong));

    assert!(!store.has_layer(&diff_id));
    let chain = store.add_layer(&layer[..], None, &diff_id).unwrap();
    assert_eq!(chain, diff_id, "the bottom layer's chain id is its diff id");
    assert!(store.has_layer(&chain));
    let manifest_digest = image::sha256_digest(b"manifest");
    let by_digest = r(&format!("localhost:5000/app@{manifest_digest}"));
    let id = store
        .add_image(
            config.as_bytes(),
            &[r("localhost:5000/app"), by_digest.clone()],
        )
        .unwrap();
    assert_eq!(id, image::ImageId::of_config(config.as_bytes()));
    let img = store.resolve(&by_digest.to_string()).unwrap();
    assert_eq!(img.repo_tags, ["localhost:5000/app:latest"]);
    assert_eq!(
        img.repo_digests,
        [format!("localhost:5000/app@{manifest_digest}")]
    );
}
