//! `load_reporting`: dockerd's `Loading layer` progress comes from how far each stored layer's
//! file has been read; layers already in the store are not loaded again, so not reported.

mod common;

use image::{ImageStore, Reference};

fn rootfs_tar(size: usize) -> Vec<u8> {
    common::tar_of(&[("blob", 0o644, &vec![7u8; size])])
}

#[test]
fn each_new_layer_is_reported_up_to_its_full_size() {
    let src_dir = tempfile::tempdir().unwrap();
    let src = ImageStore::open(src_dir.path()).unwrap();
    let tag = Reference::parse("progress:v1").unwrap();
    let layer = rootfs_tar(300 * 1024);
    let id = src.import(&layer[..], "", &[], Some(&tag)).unwrap();
    let diff_id = src.resolve(id.as_str()).unwrap().config.rootfs.diff_ids[0].clone();
    let mut archive = Vec::new();
    src.save(&["progress:v1".to_string()], &mut archive)
        .unwrap();

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = ImageStore::open(dst_dir.path()).unwrap();
    let mut seen = Vec::new();
    dst.load_reporting(&archive[..], &mut |p| {
        seen.push((p.diff_id.to_string(), p.current, p.total))
    })
    .unwrap();
    assert!(seen.len() > 1, "several reads of a 300 KiB layer: {seen:?}");
    assert!(seen
        .iter()
        .all(|(d, _, total)| *d == diff_id && *total == layer.len() as u64));
    assert!(
        seen.windows(2).all(|w| w[0].1 <= w[1].1),
        "current never goes back"
    );
    assert_eq!(seen.last().unwrap().1, layer.len() as u64);

    let mut again = 0;
    dst.load_reporting(&archive[..], &mut |_| again += 1)
        .unwrap();
    assert_eq!(again, 0, "a layer already stored is not loaded again");
}
