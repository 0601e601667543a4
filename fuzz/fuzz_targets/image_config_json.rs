//! Image config JSON (`image::ImageConfig::from_bytes`), as pulled from a registry or found in a
//! `docker save` archive. Properties: no panic; an accepted config serializes, and its
//! serialization parses back to the same value (unknown fields are kept).
#![no_main]

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
    assert_eq!(again, config, "config changed through serialize/parse");
});
