//! `save` in the combined layout dockerd ≥ 25 writes, and `load` of OCI image layouts: what the
//! archive holds, archives with only the OCI part, compressed layers, nested indexes, and archives
//! that lie (nothing may be stored then).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use errdefs::{ErrorKind, HasKind};
use image::{sha256_digest, CommitOptions, ImageId, ImageStore, LoadedImage};
use serde_json::{json, Value};

fn rootfs_tar(marker: &str) -> Vec<u8> {
    common::tar_of(&[
        ("bin/tool", 0o755, b"tool"),
        ("etc/marker", 0o755, marker.as_bytes()),
    ])
}

use common::r;

struct Member {
    name: String,
    mtime: u64,
    mode: u32,
    data: Vec<u8>,
}

fn members(archive: &[u8]) -> Vec<Member> {
    let mut out = Vec::new();
    let mut a = tar::Archive::new(archive);
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.push(Member {
            name: e.path().unwrap().display().to_string(),
            mtime: e.header().mtime().unwrap(),
            mode: e.header().mode().unwrap(),
            data,
        });
    }
    out
}

fn member<'a>(files: &'a [Member], name: &str) -> &'a Member {
    files
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name} in the archive"))
}

fn json_of(files: &[Member], name: &str) -> Value {
    serde_json::from_slice(&member(files, name).data).unwrap()
}

/// A tar of `(name, bytes)` members, in that order.
fn archive_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// A saved archive without the legacy part (what an OCI-only tool would produce).
fn without_legacy(saved: &[u8]) -> Vec<u8> {
    let kept: Vec<(String, Vec<u8>)> = members(saved)
        .into_iter()
        .filter(|m| m.name != "manifest.json" && m.name != "repositories" && !m.name.ends_with('/'))
        .map(|m| (m.name, m.data))
        .collect();
    archive_of(&kept)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Stored layers (`layers/<64 hex>` directories), ignoring temporary ones.
fn stored_layers(data_root: &Path) -> Vec<String> {
    match fs::read_dir(data_root.join("layers")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("tmp-"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Two images sharing a base layer: `app:1` (imported) and `app:2` (committed on top, also `other:x`).
fn two_images(root: &Path) -> (ImageStore, ImageId, ImageId) {
    let store = ImageStore::open(root).unwrap();
    let base = store
        .import(
            &rootfs_tar("base")[..],
            "Imported from -",
            &[],
            Some(&r("app:1")),
        )
        .unwrap();
    let upper = root.join("upper");
    fs::create_dir(&upper).unwrap();
    fs::write(upper.join("added"), "added").unwrap();
    let child = store
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
    store.tag("app:2", &r("other:x")).unwrap();
    (store, base, child)
}

#[test]
fn save_writes_dockerds_combined_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, base, child) = two_images(tmp.path());
    let mut saved = Vec::new();
    store
        .save(&["app".to_string(), "other:x".to_string()], &mut saved)
        .unwrap();
    let files = members(&saved);

    // dockerd's directory walk order: blobs/, blobs/sha256/, the blobs by hex, then the files.
    let names: Vec<&str> = files.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names[..2], ["blobs/", "blobs/sha256/"]);
    assert_eq!(
        names[names.len() - 4..],
        ["index.json", "manifest.json", "oci-layout", "repositories"]
    );
    let blob_names = &names[2..names.len() - 4];
    assert!(blob_names.iter().all(|n| n.starts_with("blobs/sha256/")));
    assert!(blob_names.windows(2).all(|w| w[0] < w[1]), "{blob_names:?}");
    // 2 configs + 2 manifests + 2 layers (the base layer once).
    assert_eq!(blob_names.len(), 6, "{blob_names:?}");
    assert_eq!(
        member(&files, "oci-layout").data,
        br#"{"imageLayoutVersion": "1.0.0"}"#
    );
    assert!(files
        .iter()
        .all(|m| m.mode == if m.name.ends_with('/') { 0o755 } else { 0o644 }));
    // Every blob is named by the sha256 of its bytes.
    for name in blob_names {
        let m = member(&files, name);
        assert_eq!(
            sha256_digest(&m.data),
            format!("sha256:{}", &name["blobs/sha256/".len()..])
        );
    }

    let index = json_of(&files, "index.json");
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index["manifests"].as_array().unwrap();
    let annotations: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["annotations"]["io.containerd.image.name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                e["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        annotations,
        [
            ("docker.io/library/app:1".to_string(), "1".to_string()),
            ("docker.io/library/app:2".to_string(), "2".to_string()),
            ("docker.io/library/other:x".to_string(), "x".to_string()),
        ]
    );
    assert_eq!(
        entries[1]["digest"], entries[2]["digest"],
        "one manifest per image"
    );

    for (entry, id) in [(&entries[0], &base), (&entries[1], &child)] {
        assert_eq!(
            entry["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        let digest = entry["digest"].as_str().unwrap();
        let blob = member(&files, &format!("blobs/sha256/{}", &digest[7..]));
        assert_eq!(entry["size"], blob.data.len());
        assert_eq!(blob.mtime, 0, "manifests get mtime 0");
        let manifest: Value = serde_json::from_slice(&blob.data).unwrap();
        assert_eq!(manifest["schemaVersion"], 2);
        assert_eq!(
            manifest["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        assert_eq!(
            manifest["config"]["mediaType"],
            "application/vnd.oci.image.config.v1+json"
        );
        assert_eq!(manifest["config"]["digest"], id.as_str());
        let config = member(&files, &format!("blobs/sha256/{}", id.hex()));
        assert_eq!(manifest["config"]["size"], config.data.len());
        assert_eq!(config.data, store.config_bytes(id).unwrap());
        let created = store.resolve(id.as_str()).unwrap().created_unix() as u64;
        assert!(created > 0);
        assert_eq!(
            config.mtime, created,
            "configs carry the image's created time"
        );
        let diff_ids = store.resolve(id.as_str()).unwrap().config.rootfs.diff_ids;
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), diff_ids.len());
        for (layer, diff_id) in layers.iter().zip(&diff_ids) {
            assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar");
            assert_eq!(layer["digest"], diff_id.as_str());
            let blob = member(&files, &format!("blobs/sha256/{}", &diff_id[7..]));
            assert_eq!(layer["size"], blob.data.len());
            assert_eq!(
                sha256_digest(&blob.data),
                *diff_id,
                "uncompressed, byte-exact"
            );
        }
    }

    // The legacy part points into blobs/.
    let manifest = json_of(&files, "manifest.json");
    assert!(member(&files, "manifest.json").data.ends_with(b"]\n"));
    assert_eq!(
        manifest[0]["Config"],
        format!("blobs/sha256/{}", base.hex())
    );
    assert_eq!(manifest[0]["RepoTags"], json!(["app:1"]));
    assert_eq!(manifest[1]["RepoTags"], json!(["app:2", "other:x"]));
    assert_eq!(manifest[1]["Parent"], base.as_str());
    for entry in manifest.as_array().unwrap() {
        for path in entry["Layers"].as_array().unwrap() {
            member(&files, path.as_str().unwrap());
        }
        member(&files, entry["Config"].as_str().unwrap());
    }
    let top = store.resolve("app:2").unwrap().config.rootfs.diff_ids[1].clone();
    let repositories = json_of(&files, "repositories");
    assert_eq!(repositories["app"]["2"], top[7..]);
    assert_eq!(repositories["other"]["x"], top[7..]);

    // Same images, same bytes.
    let mut again = Vec::new();
    store
        .save(&["app".to_string(), "other:x".to_string()], &mut again)
        .unwrap();
    assert!(again == saved, "save is deterministic");

    // By id: one index entry without annotations, no repositories file.
    let mut by_id = Vec::new();
    store.save(&[child.hex().to_string()], &mut by_id).unwrap();
    let files = members(&by_id);
    let index = json_of(&files, "index.json");
    assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
    assert!(index["manifests"][0].get("annotations").is_none());
    assert!(json_of(&files, "manifest.json")[0]["RepoTags"].is_null());
    assert!(!files.iter().any(|m| m.name == "repositories"));
}

#[test]
fn load_of_the_oci_part_alone_restores_ids_and_tags() {
    let src_dir = tempfile::tempdir().unwrap();
    let (src, base, child) = two_images(src_dir.path());
    let mut saved = Vec::new();
    src.save(
        &[
            "app:1".to_string(),
            "app:2".to_string(),
            "other:x".to_string(),
        ],
        &mut saved,
    )
    .unwrap();
    let oci_only = without_legacy(&saved);
    assert!(!members(&oci_only).iter().any(|m| m.name == "manifest.json"));

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = ImageStore::open(dst_dir.path()).unwrap();
    let loaded = dst.load(&gzip(&oci_only)[..]).unwrap();
    assert_eq!(
        loaded,
        [
            LoadedImage {
                id: base.clone(),
                tags: vec!["app:1".into()]
            },
            LoadedImage {
                id: child.clone(),
                tags: vec!["app:2".into(), "other:x".into()]
            },
        ]
    );
    let img = dst.resolve("other:x").unwrap();
    assert_eq!(img.id, child);
    let dirs = dst.layer_dirs(&img).unwrap();
    assert_eq!(fs::read(dirs[0].join("added")).unwrap(), b"added");
    assert_eq!(fs::read(dirs[1].join("etc/marker")).unwrap(), b"base");

    // The loaded image saves again to the very same archive.
    let mut resaved = Vec::new();
    dst.save(
        &[
            "app:1".to_string(),
            "app:2".to_string(),
            "other:x".to_string(),
        ],
        &mut resaved,
    )
    .unwrap();
    let names = |a: &[u8]| -> Vec<(String, Vec<u8>)> {
        members(a)
            .into_iter()
            .filter(|m| m.name.starts_with("blobs/sha256/") || m.name == "index.json")
            .map(|m| (m.name, m.data))
            .collect()
    };
    assert!(names(&resaved) == names(&saved));
}

/// A hand-built OCI archive: `blobs` by digest, `index.json`, `oci-layout`.
fn oci_archive(blobs: &[&[u8]], index: &Value) -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    for blob in blobs {
        let digest = sha256_digest(blob);
        files.push((format!("blobs/sha256/{}", &digest[7..]), blob.to_vec()));
    }
    files.push(("index.json".to_string(), serde_json::to_vec(index).unwrap()));
    archive_of(&files)
}

fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256_digest(bytes), "size": bytes.len()})
}

fn config_for(layers: &[&[u8]]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256_digest(l)).collect();
    serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .unwrap()
}

fn manifest_for(config: &[u8], layer_blobs: &[(&str, &[u8])]) -> Vec<u8> {
    let layers: Vec<Value> = layer_blobs
        .iter()
        .map(|(media_type, blob)| descriptor(media_type, blob))
        .collect();
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": layers,
    }))
    .unwrap()
}

fn index_of(entries: Vec<Value>) -> Value {
    json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries})
}

fn with_annotations(mut descriptor: Value, annotations: &[(&str, &str)]) -> Value {
    let map: BTreeMap<&str, &str> = annotations.iter().copied().collect();
    descriptor["annotations"] = json!(map);
    descriptor
}

#[test]
fn load_decompresses_gzip_and_zstd_layers_and_follows_nested_indexes() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let bottom = rootfs_tar("bottom");
    let top = rootfs_tar("top");
    let bottom_gz = gzip(&bottom);
    let top_zst = zstd::stream::encode_all(&top[..], 3).unwrap();
    let config = config_for(&[&bottom, &top]);
    let manifest = manifest_for(
        &config,
        &[
            ("application/vnd.oci.image.layer.v1.tar+gzip", &bottom_gz),
            ("application/vnd.oci.image.layer.v1.tar+zstd", &top_zst),
        ],
    );
    // A multi-platform index: an arm64 manifest (absent: never read) and the amd64 one.
    let arm = descriptor(
        "application/vnd.oci.image.manifest.v1+json",
        b"not in the archive",
    );
    let mut arm = arm;
    arm["platform"] = json!({"architecture": "arm64", "os": "linux", "variant": "v8"});
    let mut amd = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    amd["platform"] = json!({"architecture": "amd64", "os": "linux"});
    let nested = serde_json::to_vec(&index_of(vec![arm, amd])).unwrap();
    let index = index_of(vec![with_annotations(
        descriptor("application/vnd.oci.image.index.v1+json", &nested),
        &[
            ("io.containerd.image.name", "localhost:5000/team/app:2.0"),
            ("org.opencontainers.image.ref.name", "2.0"),
        ],
    )]);
    let archive = oci_archive(&[&bottom_gz, &top_zst, &config, &manifest, &nested], &index);

    let loaded = store.load(&archive[..]).unwrap();
    let id = ImageId::of_config(&config);
    assert_eq!(
        loaded,
        [LoadedImage {
            id: id.clone(),
            tags: vec!["localhost:5000/team/app:2.0".into()]
        }]
    );
    let img = store.resolve("localhost:5000/team/app:2.0").unwrap();
    let dirs = store.layer_dirs(&img).unwrap();
    assert_eq!(fs::read(dirs[0].join("etc/marker")).unwrap(), b"top");
    assert_eq!(fs::read(dirs[1].join("etc/marker")).unwrap(), b"bottom");
    // The layers keep their uncompressed bytes: saving gives the diff ids back.
    let mut saved = Vec::new();
    store.save(&[id.hex().to_string()], &mut saved).unwrap();
    assert_eq!(
        member(
            &members(&saved),
            &format!("blobs/sha256/{}", &sha256_digest(&top)[7..])
        )
        .data,
        top
    );
}

#[test]
fn names_come_from_the_containerd_annotation_or_a_full_ref_name() {
    let layer = rootfs_tar("x");
    let config = config_for(&[&layer]);
    let manifest = manifest_for(
        &config,
        &[("application/vnd.oci.image.layer.v1.tar", &layer)],
    );
    let entry = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    let load = |annotations: &[(&str, &str)]| -> Vec<LoadedImage> {
        let tmp = tempfile::tempdir().unwrap();
        let store = ImageStore::open(tmp.path()).unwrap();
        let index = index_of(vec![with_annotations(entry.clone(), annotations)]);
        store
            .load(&oci_archive(&[&layer, &config, &manifest], &index)[..])
            .unwrap()
    };
    assert_eq!(
        load(&[("org.opencontainers.image.ref.name", "latest")])[0].tags,
        Vec::<String>::new()
    );
    assert_eq!(load(&[])[0].tags, Vec::<String>::new());
    assert_eq!(
        load(&[("org.opencontainers.image.ref.name", "example.com/x:1")])[0].tags,
        ["example.com/x:1"]
    );
    assert_eq!(
        load(&[
            (
                "io.containerd.image.name",
                "docker.io/library/busybox:latest"
            ),
            ("org.opencontainers.image.ref.name", "latest")
        ])[0]
            .tags,
        ["busybox:latest"]
    );
    assert_eq!(load(&[])[0].id, ImageId::of_config(&config));
}

/// Loads `archive` into a fresh store: the error, after checking that nothing was stored.
fn refused(archive: &[u8]) -> image::ImageError {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let err = store.load(archive).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(store.list().unwrap().is_empty(), "{err}");
    assert_eq!(stored_layers(tmp.path()), Vec::<String>::new(), "{err}");
    assert!(
        fs::read_dir(tmp.path().join("layers"))
            .unwrap()
            .next()
            .is_none(),
        "no spool left behind"
    );
    err
}

#[test]
fn hostile_oci_archives_are_refused_and_store_nothing() {
    let good = rootfs_tar("good");
    let second = rootfs_tar("second");
    let config = config_for(&[&good, &second]);
    let manifest = manifest_for(
        &config,
        &[
            ("application/vnd.oci.image.layer.v1.tar", &good),
            ("application/vnd.oci.image.layer.v1.tar", &second),
        ],
    );
    let entry = with_annotations(
        descriptor("application/vnd.oci.image.manifest.v1+json", &manifest),
        &[("io.containerd.image.name", "docker.io/library/evil:1")],
    );
    let honest = oci_archive(
        &[&good, &second, &config, &manifest],
        &index_of(vec![entry.clone()]),
    );
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(
        ImageStore::open(tmp.path())
            .unwrap()
            .load(&honest[..])
            .unwrap()[0]
            .tags,
        ["evil:1"],
        "the honest version loads"
    );

    // A digest that is a path.
    let mut climbing = entry.clone();
    climbing["digest"] = json!("sha256:../../../../etc/passwd");
    let err = refused(&oci_archive(
        &[&good, &second, &config, &manifest],
        &index_of(vec![climbing]),
    ));
    assert!(err.to_string().contains("invalid digest"), "{err}");

    // Another algorithm.
    let mut sha512 = entry.clone();
    sha512["digest"] = json!(format!("sha512:{}", "a".repeat(128)));
    refused(&oci_archive(
        &[&good, &second, &config, &manifest],
        &index_of(vec![sha512]),
    ));

    // A blob whose bytes are not its digest (the second layer swapped under its name).
    let mut files: Vec<(String, Vec<u8>)> = members(&honest)
        .into_iter()
        .map(|m| (m.name, m.data))
        .collect();
    let second_name = format!("blobs/sha256/{}", &sha256_digest(&second)[7..]);
    for (name, data) in &mut files {
        if *name == second_name {
            *data = rootfs_tar("evil!!");
        }
    }
    let err = refused(&archive_of(&files));
    assert!(
        err.to_string().contains("does not match its digest"),
        "{err}"
    );

    // A size that lies.
    let mut wrong_size = entry.clone();
    wrong_size["size"] = json!(manifest.len() + 1);
    let err = refused(&oci_archive(
        &[&good, &second, &config, &manifest],
        &index_of(vec![wrong_size]),
    ));
    assert!(err.to_string().contains("bytes"), "{err}");

    // A missing layer blob (the first one is fine and must not be stored either).
    let err = refused(&oci_archive(
        &[&good, &config, &manifest],
        &index_of(vec![entry.clone()]),
    ));
    assert!(err.to_string().contains("is missing"), "{err}");

    // More layers in the manifest than diff ids in the config.
    let one_layer_config = config_for(&[&good]);
    let too_many = manifest_for(
        &one_layer_config,
        &[
            ("application/vnd.oci.image.layer.v1.tar", &good),
            ("application/vnd.oci.image.layer.v1.tar", &second),
        ],
    );
    let err = refused(&oci_archive(
        &[&good, &second, &one_layer_config, &too_many],
        &index_of(vec![descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            &too_many,
        )]),
    ));
    assert!(err.to_string().contains("layers length mismatch"), "{err}");

    // A compressed layer whose content is not the diff id.
    let evil_gz = gzip(&rootfs_tar("evil"));
    let lying = manifest_for(
        &config,
        &[
            ("application/vnd.oci.image.layer.v1.tar", &good),
            ("application/vnd.oci.image.layer.v1.tar+gzip", &evil_gz),
        ],
    );
    let err = refused(&oci_archive(
        &[&good, &evil_gz, &config, &lying],
        &index_of(vec![descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            &lying,
        )]),
    ));
    assert!(
        err.to_string().starts_with("invalid diffID for layer 1"),
        "{err}"
    );

    // A nested index without this platform.
    let mut arm = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    arm["platform"] = json!({"architecture": "arm64", "os": "linux"});
    let nested = serde_json::to_vec(&index_of(vec![arm])).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let err = store
        .load(
            &oci_archive(
                &[&good, &second, &config, &manifest, &nested],
                &index_of(vec![descriptor(
                    "application/vnd.oci.image.index.v1+json",
                    &nested,
                )]),
            )[..],
        )
        .unwrap_err();
    assert!(err.to_string().contains("linux/amd64"), "{err}");
    assert!(store.list().unwrap().is_empty());

    // Neither manifest.json nor index.json.
    let err = refused(&archive_of(&[("oci-layout".to_string(), b"{}".to_vec())]));
    assert_eq!(
        err.to_string(),
        "invalid archive: does not contain a manifest.json or an index.json"
    );
}

#[test]
fn a_load_that_fails_midway_removes_the_layers_it_added() {
    // Legacy layout: layer 1's lie shows only while it unpacks, after layer 0 was stored.
    let good = rootfs_tar("good");
    let second = rootfs_tar("second");
    let config = config_for(&[&good, &second]);
    let manifest = json!([{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["0.tar", "1.tar"]}]);
    let err = refused(&archive_of(&[
        (
            "manifest.json".to_string(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
        ("c.json".to_string(), config.clone()),
        ("0.tar".to_string(), good.clone()),
        ("1.tar".to_string(), rootfs_tar("evil!!")),
    ]));
    assert!(
        err.to_string().starts_with("invalid diffID for layer 1"),
        "{err}"
    );

    // The same layers stored by an earlier image stay.
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    store
        .import(&good[..], "m", &[], Some(&r("base:1")))
        .unwrap();
    let before = stored_layers(tmp.path());
    assert_eq!(before.len(), 1);
    let bad = archive_of(&[
        (
            "manifest.json".to_string(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
        ("c.json".to_string(), config),
        ("0.tar".to_string(), good),
        ("1.tar".to_string(), rootfs_tar("evil!!")),
    ]);
    assert!(store.load(&bad[..]).is_err());
    assert_eq!(stored_layers(tmp.path()), before);
    assert_eq!(store.list().unwrap().len(), 1);
}

#[test]
fn fifo_and_directory_members_are_refused_not_waited_on() {
    // As root the spool gets a real FIFO; opening it for reading must not block.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Fifo);
    h.set_mode(0o644);
    h.set_size(0);
    b.append_data(&mut h, "index.json", std::io::empty())
        .unwrap();
    let err = refused(&b.into_inner().unwrap());
    assert!(err.to_string().contains("not a regular file"), "{err}");

    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    b.append_data(&mut h, "manifest.json/", std::io::empty())
        .unwrap();
    let err = refused(&b.into_inner().unwrap());
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn parent_links_need_the_parent_in_the_archive_and_a_matching_history() {
    let src_dir = tempfile::tempdir().unwrap();
    let (src, base, _) = two_images(src_dir.path());
    // The child alone: its parent is not in the archive, so no link (dockerd drops it too).
    let mut alone = Vec::new();
    src.save(&["app:2".to_string()], &mut alone).unwrap();
    assert!(json_of(&members(&alone), "manifest.json")[0]
        .get("Parent")
        .is_none());
    let dst_dir = tempfile::tempdir().unwrap();
    let dst = ImageStore::open(dst_dir.path()).unwrap();
    dst.load(&alone[..]).unwrap();
    assert_eq!(dst.resolve("app:2").unwrap().parent, None);
    // Loaded back where it was committed, it keeps its parent.
    src.load(&alone[..]).unwrap();
    assert_eq!(src.resolve("app:2").unwrap().parent, Some(base));

    // A Parent whose history is not a prefix of the child's is refused.
    let layer = rootfs_tar("x");
    let diff_id = sha256_digest(&layer);
    let config_with = |history: Value| -> Vec<u8> {
        serde_json::to_vec(&json!({
            "os": "linux", "history": history,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]}
        }))
        .unwrap()
    };
    let parent = config_with(json!([{"created_by": "a"}]));
    let not_child = config_with(json!([{"created_by": "b"}, {"created_by": "c"}]));
    let manifest = json!([
        {"Config": "p.json", "RepoTags": ["p:1"], "Layers": ["l.tar"]},
        {"Config": "c.json", "RepoTags": ["c:1"], "Layers": ["l.tar"],
         "Parent": ImageId::of_config(&parent).as_str()},
    ]);
    let archive = archive_of(&[
        (
            "manifest.json".to_string(),
            serde_json::to_vec(&manifest).unwrap(),
        ),
        ("p.json".to_string(), parent.clone()),
        ("c.json".to_string(), not_child),
        ("l.tar".to_string(), layer),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let err = ImageStore::open(tmp.path())
        .unwrap()
        .load(&archive[..])
        .unwrap_err();
    assert!(err.to_string().contains("is not a valid parent"), "{err}");
}
