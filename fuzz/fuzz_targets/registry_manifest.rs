//! Registry manifests and indexes as a registry serves them (`registry::manifest::parse_document`),
//! platform selection in an index, and `--platform` strings (`Platform::parse`).
//! Properties: no panic; a parsed platform re-parses from its display form to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use registry::manifest::{parse_document, select_platform, Document};
use registry::Platform;

fuzz_target!(|data: &[u8]| {
    match parse_document(data, "fuzz/manifest:latest") {
        Ok(Document::Index { manifests }) => {
            let _ = select_platform(&manifests, &Platform::default());
            if let Some(Some(wanted)) = manifests.first().map(|d| d.platform.clone()) {
                let picked = select_platform(&manifests, &wanted)
                    .expect("an index entry's own platform selects an entry");
                assert!(picked.platform.is_some());
            }
        }
        Ok(Document::Image { config, layers, .. }) => {
            let _ = serde_json::to_vec(&config).expect("a descriptor serializes");
            let _ = serde_json::to_vec(&layers).expect("descriptors serialize");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(p) = Platform::parse(s) {
            let shown = p.to_string();
            assert_eq!(
                Platform::parse(&shown).as_ref(),
                Some(&p),
                "{shown:?} re-parses differently"
            );
        }
    }
});
