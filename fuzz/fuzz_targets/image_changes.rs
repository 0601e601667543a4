//! Dockerfile-style `changes` of `commit` and `import` (`image::apply_changes`: CMD, ENTRYPOINT,
//! ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ONBUILD, SHELL).
//! Input: NUL-separated `changes` entries, each possibly several lines.
//! Properties: no panic; the resulting config serializes and parses back unchanged.
#![no_main]

use berth_fuzz::str_fields;
use image::{apply_changes, ContainerConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(changes) = str_fields(data, 8) else {
        return;
    };
    let changes: Vec<String> = changes.into_iter().map(str::to_string).collect();
    let mut config = ContainerConfig::default();
    if apply_changes(&mut config, &changes).is_ok() {
        let json = serde_json::to_vec(&config).expect("a changed config serializes");
        let again: ContainerConfig =
            serde_json::from_slice(&json).expect("a changed config parses back");
        assert_eq!(again, config);
    }
});
