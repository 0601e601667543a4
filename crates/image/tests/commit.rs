//! `docker commit`: a container's overlay upper dir becomes a layer on top of its image.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use errdefs::{ErrorKind, HasKind};
use image::{
    sha256_digest, write_layer_tar, CommitOptions, DeleteItem, ImageId, ImageStore, ImageUser,
    Reference,
};
use rustix::fs::{FileType, Mode, XattrFlags};

fn nobody(_: &ImageId) -> Option<ImageUser> {
    None
}

fn base_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in [("a", "a"), ("keep", "k"), ("d/x", "x")] {
        let mut h = tar::Header::new_gnu();
        h.set_path(path).unwrap();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append(&h, data.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn commit_upper_dir_as_a_layer() {
    if !rustix::process::geteuid().is_root() {
        return; // whiteouts are device nodes
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&tmp.path().join("data")).unwrap();
    let base = store
        .import(
            &base_tar()[..],
            "Imported from -",
            &[r#"CMD ["sh"]"#.to_string()],
            Some(&Reference::parse("base").unwrap()),
        )
        .unwrap();

    // What overlay leaves in a container's upper dir: a new file, a whiteout, an opaque directory.
    let upper = tmp.path().join("upper");
    fs::create_dir_all(upper.join("d")).unwrap();
    fs::write(upper.join("marker"), "committed-content\n").unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        upper.join("a"),
        FileType::CharacterDevice,
        Mode::empty(),
        0,
    )
    .unwrap();
    rustix::fs::setxattr(
        upper.join("d"),
        "trusted.overlay.opaque",
        b"y",
        XattrFlags::empty(),
    )
    .unwrap();
    fs::write(upper.join("d/y"), "y").unwrap();

    let base_img = store.resolve("base").unwrap();
    let options = CommitOptions {
        config: base_img.config.config.clone(),
        changes: vec!["ENV FOO=bar".into(), r#"CMD ["cat","/marker"]"#.into()],
        comment: "add marker".into(),
        created_by: "sh -c echo committed-content > /marker".into(),
        container_id: "c".repeat(64),
        tag: Some(Reference::parse("committed:v1").unwrap()),
        ..Default::default()
    };
    let id = store.commit(&base, &upper, options).unwrap();
    let img = store.resolve("committed:v1").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(img.parent.as_ref(), Some(&base));
    assert_eq!(
        img.config.config.cmd.as_deref(),
        Some(&["cat".to_string(), "/marker".to_string()][..])
    );
    assert_eq!(
        img.config.config.env.as_deref(),
        Some(&["FOO=bar".to_string()][..])
    );
    assert_eq!(img.config.rootfs.diff_ids.len(), 2);
    assert_eq!(
        img.config.rootfs.diff_ids[0],
        base_img.config.rootfs.diff_ids[0]
    );
    assert_eq!(img.config.history.len(), 2);
    assert_eq!(
        img.config.history[1].created_by,
        "sh -c echo committed-content > /marker"
    );
    assert_eq!(img.config.history[1].comment, "add marker");
    assert_eq!(
        img.config.container.as_deref(),
        Some("c".repeat(64).as_str())
    );

    let dirs = store.layer_dirs(&img).unwrap();
    assert_eq!(dirs.len(), 2);
    assert_eq!(
        dirs[1],
        store.layer_dirs(&base_img).unwrap()[0],
        "top-most first, base layer shared"
    );
    let top = &dirs[0];
    assert_eq!(
        fs::read_to_string(top.join("marker")).unwrap(),
        "committed-content\n"
    );
    let wh = fs::symlink_metadata(top.join("a")).unwrap();
    assert!(
        wh.file_type().is_char_device() && wh.rdev() == 0,
        "whiteout survives the round trip"
    );
    let mut v = [0u8; 2];
    assert_eq!(
        rustix::fs::getxattr(top.join("d"), "trusted.overlay.opaque", &mut v).unwrap(),
        1
    );
    assert!(!top.join("d/.wh..wh..opq").exists());

    // Writing the stored layer back out gives the tar whose digest is the diff id.
    let mut again = Vec::new();
    write_layer_tar(top, &mut again).unwrap();
    assert_eq!(sha256_digest(&again), img.config.rootfs.diff_ids[1]);
    let mut stored = Vec::new();
    store.layer_tar(&img.chain_ids[1], &mut stored).unwrap();
    assert!(stored == again);

    // The parent cannot go while a child exists; untagging it is quiet.
    let err = store.delete(base.as_str(), true, &nobody).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        err.to_string()
            .ends_with("(cannot be forced) - image has dependent child images"),
        "{err}"
    );
    assert_eq!(
        store.delete("base", false, &nobody).unwrap(),
        [DeleteItem::Untagged("base:latest".into())]
    );

    // Deleting the child frees only its own layer.
    let items = store.delete("committed:v1", false, &nobody).unwrap();
    let top_chain = img.chain_ids[1].clone();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("committed:v1".into()),
            DeleteItem::Deleted(id.to_string()),
            DeleteItem::Deleted(top_chain)
        ]
    );
    assert!(!top.exists());
    assert!(dirs[1].join("keep").exists());

    // An empty upper dir adds a history entry but no layer.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let id2 = store
        .commit(&base, &empty, CommitOptions::default())
        .unwrap();
    let img2 = store.resolve(id2.as_str()).unwrap();
    assert_eq!(img2.config.rootfs.diff_ids.len(), 1);
    assert!(img2.config.history[1].empty_layer);
    assert_eq!(
        store.layer_dirs(&img2).unwrap(),
        store.layer_dirs(&base_img).unwrap()
    );
}
