//! Layer references and the collector: images, leases and containers' lower dirs keep layers;
//! everything else goes, crash-safely.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use image::{
    chain_id, sha256_digest, DeleteItem, ImageId, ImageStore, ImageUser, LayerGcHooks, Reference,
    RemovedLayer,
};

/// A one-file layer tar.
fn layer_tar(name: &str) -> Vec<u8> {
    common::tar_of(&[(name, 0o644, name.as_bytes())])
}

/// Adds `names` as a stack of layers (bottom first); returns their diff ids and chain ids.
fn add_stack(store: &ImageStore, names: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut diff_ids = Vec::new();
    let mut chains: Vec<String> = Vec::new();
    for name in names {
        let tar = layer_tar(name);
        let diff_id = sha256_digest(&tar);
        let chain = store
            .add_layer(&tar[..], chains.last().map(String::as_str), &diff_id)
            .unwrap();
        diff_ids.push(diff_id);
        chains.push(chain);
    }
    (diff_ids, chains)
}

fn config_of(diff_ids: &[String], label: &str) -> Vec<u8> {
    serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"which": label}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })
    .to_string()
    .into_bytes()
}

fn add_image(store: &ImageStore, diff_ids: &[String], tag: &str) -> ImageId {
    store
        .add_image(&config_of(diff_ids, tag), &[Reference::parse(tag).unwrap()])
        .unwrap()
}

/// Every entry of `layers/` (committed chain dirs and `tmp-` leftovers).
fn layer_entries(root: &Path) -> BTreeSet<String> {
    fs::read_dir(root.join("layers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn hexes(chains: &[&String]) -> BTreeSet<String> {
    chains
        .iter()
        .map(|c| c.trim_start_matches("sha256:").to_string())
        .collect()
}

fn nobody(_: &ImageId) -> Option<ImageUser> {
    None
}

fn make_old(root: &Path, chain: &str) {
    let file = root
        .join("layers")
        .join(chain.trim_start_matches("sha256:"))
        .join("layer.json");
    fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(2 * 24 * 3600))
        .unwrap();
}

/// Hooks whose mounted dirs a test sets; records what was removed.
#[derive(Default)]
struct Containers {
    mounted: Mutex<Option<Vec<PathBuf>>>,
    removed: Mutex<Vec<RemovedLayer>>,
}

impl LayerGcHooks for Containers {
    fn mounted_layer_dirs(&self) -> std::io::Result<Vec<PathBuf>> {
        self.mounted
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| std::io::Error::other("a container record is unreadable"))
    }
    fn layers_removed(&self, removed: &[RemovedLayer]) {
        self.removed.lock().unwrap().extend_from_slice(removed);
    }
}

#[test]
fn collection_removes_exactly_the_unreferenced_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    // An image of two layers, a third layer stacked on them that no image names, and a lone layer.
    let (diff_ids, chains) = add_stack(&store, &["a", "b", "c"]);
    let (_, lone) = add_stack(&store, &["lone"]);
    add_image(&store, &diff_ids[..2], "two:1");
    assert_eq!(layer_entries(tmp.path()).len(), 4);

    // At startup only old leftovers go: these were committed just now.
    assert!(store
        .collect_unused_layers(Some(Duration::from_secs(3600)))
        .is_empty());
    make_old(tmp.path(), &lone[0]);
    let removed = store.collect_unused_layers(Some(Duration::from_secs(3600)));
    assert_eq!(
        removed.iter().map(|r| &r.chain_id).collect::<Vec<_>>(),
        [&lone[0]]
    );
    assert!(removed[0].diff_id_released);
    assert_eq!(removed[0].size, 4, "size of the file `lone`");

    let removed = store.collect_unused_layers(None);
    assert_eq!(
        removed.iter().map(|r| &r.chain_id).collect::<Vec<_>>(),
        [&chains[2]]
    );
    assert_eq!(layer_entries(tmp.path()), hexes(&[&chains[0], &chains[1]]));
    // The image still works.
    let img = store.resolve("two:1").unwrap();
    for dir in store.layer_dirs(&img).unwrap() {
        assert!(dir.is_dir(), "{}", dir.display());
    }
    assert!(store.collect_unused_layers(None).is_empty());
}

#[test]
fn a_leased_layer_survives_collection_until_the_lease_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let lease = store.lease();
    let (diff_ids, chains) = {
        let tars = [layer_tar("x"), layer_tar("y")];
        let diff_ids: Vec<String> = tars.iter().map(|t| sha256_digest(t)).collect();
        let chains = image::chain_ids(&diff_ids);
        assert_eq!(store.hold_layers(&lease, &chains), [false, false]);
        // The pull commits its first layer; its image is not there yet.
        store.add_layer(&tars[0][..], None, &diff_ids[0]).unwrap();
        (diff_ids, chains)
    };
    assert!(store.collect_unused_layers(None).is_empty());
    assert!(store.remove_unused_layers(&[]).unwrap().is_empty());
    assert!(store.has_layer(&chains[0]));

    // A lease on a layer that is already stored says so.
    let other = store.lease();
    assert_eq!(store.hold_layers(&other, &chains[..1]), [true]);
    drop(other);

    store
        .add_layer(&layer_tar("y")[..], Some(&chains[0]), &diff_ids[1])
        .unwrap();
    add_image(&store, &diff_ids, "xy:1");
    drop(lease);
    assert!(store.collect_unused_layers(None).is_empty());

    let lease = store.lease();
    store.hold_layers(&lease, &chains);
    store
        .delete("xy:1", false, &nobody)
        .expect("the image goes; its layers stay while leased");
    assert!(store.has_layer(&chains[0]) && store.has_layer(&chains[1]));
    drop(lease);
    assert_eq!(store.collect_unused_layers(None).len(), 2);
    assert!(layer_entries(tmp.path()).is_empty());
}

#[test]
fn abandon_removes_only_what_the_failed_operation_added() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    // A leftover of an earlier crashed pull (unreferenced, kept for a resume).
    let (_, earlier) = add_stack(&store, &["earlier"]);
    let mine_tar = layer_tar("mine");
    let shared_tar = layer_tar("shared");
    let mine = sha256_digest(&mine_tar);
    let shared = sha256_digest(&shared_tar);

    let lease = store.lease();
    assert_eq!(
        store.hold_layers(&lease, &[earlier[0].clone(), mine.clone(), shared.clone()]),
        [true, false, false]
    );
    // A concurrent pull wants `shared` too.
    let concurrent = store.lease();
    store.hold_layers(&concurrent, std::slice::from_ref(&shared));
    store.add_layer(&mine_tar[..], None, &mine).unwrap();
    store.add_layer(&shared_tar[..], None, &shared).unwrap();

    let removed = store.abandon(&lease);
    drop(lease);
    assert_eq!(removed, std::slice::from_ref(&mine));
    assert!(store.has_layer(&earlier[0]), "not added by the failed pull");
    assert!(store.has_layer(&shared), "the other pull holds it");
    assert!(!store.has_layer(&mine));
    drop(concurrent);
    assert_eq!(store.collect_unused_layers(None).len(), 2);
}

#[test]
fn deleting_the_last_image_removes_its_layers_shared_ones_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let (base_diffs, base) = add_stack(&store, &["base"]);
    let top_tar = layer_tar("top");
    let top_diff = sha256_digest(&top_tar);
    let top = store
        .add_layer(&top_tar[..], Some(&base[0]), &top_diff)
        .unwrap();
    let a = add_image(&store, &base_diffs, "a:1");
    let b = add_image(&store, &[base_diffs[0].clone(), top_diff.clone()], "b:1");
    assert_eq!(top, chain_id(Some(&base[0]), &top_diff));

    let items = store.delete("b:1", false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("b:1".into()),
            DeleteItem::Deleted(b.to_string()),
            DeleteItem::Deleted(top.clone()),
        ]
    );
    assert_eq!(layer_entries(tmp.path()), hexes(&[&base[0]]));
    let items = store.delete("a:1", false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("a:1".into()),
            DeleteItem::Deleted(a.to_string()),
            DeleteItem::Deleted(base[0].clone()),
        ]
    );
    assert!(layer_entries(tmp.path()).is_empty());
}

#[test]
fn layers_a_container_mounts_stay_after_its_image_is_force_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let containers = Arc::new(Containers::default());
    store.set_gc_hooks(containers.clone());
    let (diffs, chains) = add_stack(&store, &["os", "app"]);
    let used = add_image(&store, &diffs, "used:1");
    // A container runs on `used:1`: its overlay's lower dirs are the image's layers.
    let lowers = store.layer_dirs(&store.resolve("used:1").unwrap()).unwrap();
    *containers.mounted.lock().unwrap() = Some(lowers.clone());

    // `rmi -f` while a stopped container uses the image: the image goes, the layers stay.
    let stopped = |_: &ImageId| {
        Some(ImageUser {
            container_id: "c".repeat(64),
            running: false,
        })
    };
    let items = store.delete("used:1", true, &stopped).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("used:1".into()),
            DeleteItem::Deleted(used.to_string()),
        ]
    );
    for dir in &lowers {
        assert!(dir.is_dir(), "{}", dir.display());
    }
    // Another image shares the bottom layer; deleting it must not take the container's layer.
    let other = add_image(&store, &diffs[..1], "other:1");
    let items = store.delete("other:1", false, &nobody).unwrap();
    assert_eq!(
        items,
        [
            DeleteItem::Untagged("other:1".into()),
            DeleteItem::Deleted(other.to_string()),
        ]
    );
    assert!(store.collect_unused_layers(None).is_empty());
    assert_eq!(layer_entries(tmp.path()), hexes(&[&chains[0], &chains[1]]));

    // A container record that cannot be read keeps every layer.
    *containers.mounted.lock().unwrap() = None;
    assert!(store.collect_unused_layers(None).is_empty());

    // The container is removed: its layers go, a crashed pull's leftover stays (for a resume).
    let (_, leftover) = add_stack(&store, &["leftover"]);
    assert!(store.collect_layers_kept_for_containers().is_empty());
    *containers.mounted.lock().unwrap() = Some(Vec::new());
    let removed = store.collect_layers_kept_for_containers();
    assert!(store.has_layer(&leftover[0]));
    assert!(store.collect_layers_kept_for_containers().is_empty());
    assert_eq!(
        store.collect_unused_layers(None)[0].chain_id,
        leftover[0],
        "only the leftover was left"
    );
    containers.removed.lock().unwrap().pop();
    assert_eq!(removed.len(), 2);
    assert!(layer_entries(tmp.path()).is_empty());
    let reported = containers.removed.lock().unwrap().clone();
    assert_eq!(reported, removed);
    assert!(reported.iter().all(|r| r.diff_id_released));
    let reported_diffs: BTreeSet<&String> = reported.iter().map(|r| &r.diff_id).collect();
    assert_eq!(reported_diffs, diffs.iter().collect());
}

#[test]
fn a_diff_id_still_stored_under_another_chain_is_not_released() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    // The same layer tar on top of two different parents: one diff id, two chains.
    let (d1, c1) = add_stack(&store, &["p1", "same"]);
    let (d2, _) = add_stack(&store, &["p2", "same"]);
    assert_eq!(d1[1], d2[1]);
    add_image(&store, &d2, "keep:1");
    let removed = store.collect_unused_layers(None);
    let by_chain: Vec<(&String, bool)> = removed
        .iter()
        .map(|r| (&r.chain_id, r.diff_id_released))
        .collect();
    assert_eq!(by_chain.len(), 2);
    assert!(by_chain.contains(&(&c1[0], true)));
    assert!(by_chain.contains(&(&c1[1], false)));
}

#[test]
fn crash_leftovers_of_a_removal_are_cleaned_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let chain = {
        let store = ImageStore::open(tmp.path()).unwrap();
        let (_, chains) = add_stack(&store, &["doomed", "kept"]);
        chains
    };
    let layers = tmp.path().join("layers");
    // A collection renamed the layer and crashed while deleting it (half its files gone).
    let doomed = layers.join("tmp-gc-4242-0-1");
    fs::rename(layers.join(chain[0].trim_start_matches("sha256:")), &doomed).unwrap();
    fs::remove_file(doomed.join("layer.json")).unwrap();
    // And an unpack that never finished.
    fs::create_dir_all(layers.join("tmp-4242-1-2/diff/etc")).unwrap();

    let store = ImageStore::open(tmp.path()).unwrap();
    assert_eq!(layer_entries(tmp.path()), hexes(&[&chain[1]]));
    assert!(!store.has_layer(&chain[0]));
    assert!(store.has_layer(&chain[1]));
}

#[test]
fn stale_blobs_go_image_configs_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    let (diffs, _) = add_stack(&store, &["cfg"]);
    let id = add_image(&store, &diffs, "cfg:1");
    let blobs = tmp.path().join("content/blobs/sha256");
    let old_blob = blobs.join("a".repeat(64));
    let fresh_blob = blobs.join("b".repeat(64));
    fs::write(&old_blob, b"verified layer blob").unwrap();
    fs::write(&fresh_blob, b"verified layer blob").unwrap();
    let day_and_more = SystemTime::now() - Duration::from_secs(25 * 3600);
    for path in [&old_blob, &blobs.join(id.hex())] {
        fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(day_and_more)
            .unwrap();
    }
    assert_eq!(store.remove_stale_blobs(Duration::from_secs(24 * 3600)), 1);
    assert!(!old_blob.exists());
    assert!(fresh_blob.exists(), "young: may serve a resumed pull");
    assert!(blobs.join(id.hex()).exists(), "an image's config");
    assert_eq!(store.resolve("cfg:1").unwrap().id, id);
}

#[test]
fn layers_of_an_image_that_fails_to_load_are_not_collected() {
    let tmp = tempfile::tempdir().unwrap();
    let (chains, lone) = {
        let store = ImageStore::open(tmp.path()).unwrap();
        let (diffs, chains) = add_stack(&store, &["low", "high"]);
        add_image(&store, &diffs, "damaged:1");
        let (_, lone) = add_stack(&store, &["lone"]);
        (chains, lone)
    };
    // The top layer's metadata is lost: the image cannot load any more.
    let top = tmp
        .path()
        .join("layers")
        .join(chains[1].trim_start_matches("sha256:"));
    fs::remove_file(top.join("layer.json")).unwrap();
    let store = ImageStore::open(tmp.path()).unwrap();
    assert!(store.resolve("damaged:1").is_err());
    let removed = store.collect_unused_layers(None);
    assert_eq!(
        removed.iter().map(|r| &r.chain_id).collect::<Vec<_>>(),
        [&lone[0]]
    );
    assert!(store.has_layer(&chains[0]) && top.is_dir());
}
