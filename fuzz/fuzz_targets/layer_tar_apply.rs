//! Layer tars (`image::apply_layer_with`), applied into `<scratch>/root` in both whiteout modes.
//! Properties: no panic, and nothing escapes the root: afterwards `<scratch>` holds exactly `root`,
//! `flat` and an untouched sentinel file (same content, link count 1), whatever `..`, absolute
//! paths, symlinks or hardlinks the archive contains.
#![no_main]

use berth_fuzz::{names_in, scratch, Sentinel};
use image::{apply_layer_with, WhiteoutMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let sentinel = Sentinel::create(dir.path());
    for (name, mode) in [
        ("root", WhiteoutMode::Overlay),
        ("flat", WhiteoutMode::Flatten),
    ] {
        let root = dir.path().join(name);
        // Errors are expected for most inputs; escaping is what must never happen.
        let _ = apply_layer_with(&root, data, mode);
        sentinel.check();
    }
    let names = names_in(dir.path());
    assert_eq!(
        names,
        ["flat", "root", "sentinel"],
        "a layer wrote outside its root"
    );
});
