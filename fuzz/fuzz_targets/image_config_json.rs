//! Image config JSON (`image::ImageConfig::from_bytes`), as pulled from a registry or found in a
//! `docker save` archive. Properties: no panic; an accepted config serializes, and its
//! serialization parses back to the same config (unknown fields are kept; numbers kept as JSON
//! values may move by one unit in the last place, see `json_approx_eq`).
#![no_main]

use berth_fuzz::json_approx_eq;
use image::ImageConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = ImageConfig::from_bytes(data) else {
        return;
    };
    let _ = config.created_unix();
    let _ = config.labels();
    let bytes = config.to_bytes().expect("a parsed config serializes");
    let again = ImageConfig::from_bytes(&bytes).expect("a serialized config parses");
    // Equal, except that numbers kept as `serde_json::Value` (in `extra`) may move by one unit in
    // the last place (see `json_approx_eq`).
    assert_eq!(again.config.healthcheck, config.config.healthcheck);
    assert_eq!(again.rootfs, config.rootfs);
    assert_eq!(again.history, config.history);
    let first: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let second: serde_json::Value =
        serde_json::from_slice(&again.to_bytes().expect("serializes again")).expect("JSON");
    assert!(
        json_approx_eq(&first, &second),
        "config changed through serialize/parse:\n{first}\n{second}"
    );
});
