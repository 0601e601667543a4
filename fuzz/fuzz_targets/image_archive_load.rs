//! `docker load` archives (`image::ImageStore::load`: plain, gzip or zstd tar with manifest.json,
//! configs and layers), into a fresh store per input.
//! Properties: no panic; nothing is written outside the store's data root (the scratch dir holds
//! exactly `data` and an untouched sentinel); every loaded image can be inspected by its id.
#![no_main]

use berth_fuzz::{names_in, scratch, Sentinel};
use image::ImageStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let sentinel = Sentinel::create(dir.path());
    let store = ImageStore::open(&dir.path().join("data")).expect("open an empty store");
    if let Ok(loaded) = store.load(data) {
        for image in &loaded {
            let id = image.id.to_string();
            store
                .inspect(&id)
                .unwrap_or_else(|e| panic!("loaded image {id} cannot be inspected: {e}"));
        }
    }
    sentinel.check();
    assert_eq!(
        names_in(dir.path()),
        ["data", "sentinel"],
        "load wrote outside the data root"
    );
});
