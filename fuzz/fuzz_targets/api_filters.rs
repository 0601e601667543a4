//! The `filters` query parameter of list/prune endpoints (`api::Filters::parse`, both the
//! `{"k":{"v":true}}` and the pre-1.22 `{"k":["v"]}` forms).
//! Properties: no panic; an accepted filter set serializes (`to_json`) and re-parses to the same
//! set; label matching and validation do not panic.
#![no_main]

use std::collections::BTreeMap;

use api::Filters;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(filters) = Filters::parse(s) else {
        return;
    };
    let json = filters.to_json();
    let again = Filters::parse(&json).expect("our own filters JSON parses");
    assert_eq!(again, filters, "filters changed through {json:?}");
    let labels = BTreeMap::from([
        ("a".to_string(), "1".to_string()),
        ("b".to_string(), String::new()),
    ]);
    let _ = filters.match_labels("label", &labels);
    let _ = filters.validate(&["label", "until", "dangling"]);
    let _ = filters.any_matches("name", |v| v.is_empty());
});
