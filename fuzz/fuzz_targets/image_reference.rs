//! Image references: `image::Reference::parse` (daemon) and `cli::reference::ImageRef` (CLI).
//! Properties: no panic; an accepted reference re-parses from its canonical form
//! (`docker.io/library/busybox:latest`) and from its familiar form (`busybox:latest`) to the same
//! value; `from_repo_tag` results re-parse too.
#![no_main]

use image::Reference;
use libfuzzer_sys::fuzz_target;

fn reparses(r: &Reference) {
    let canonical = r.to_string();
    let again = Reference::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical {canonical:?} of {r:?} does not re-parse: {e}"));
    assert_eq!(&again, r, "canonical {canonical:?} re-parses differently");
    // Docker's own ambiguity: a Hub repository whose namespace looks like a host
    // (`docker.io/a.b/c` → familiar `a.b/c`) reads back as that host. Hub namespaces cannot
    // contain dots, and dockerd behaves the same, so only other references must round-trip.
    let first = r.path().split('/').next().unwrap_or_default();
    if r.domain() == image::DEFAULT_DOMAIN
        && r.path().contains('/')
        && (first.contains(['.', ':']) || first == "localhost")
    {
        return;
    }
    let familiar = r.familiar();
    // Same for `library/<64 hex>`: its familiar form is refused as an image id, as dockerd does.
    if familiar.len() == 64 && familiar.bytes().all(|b| b.is_ascii_hexdigit()) {
        return;
    }
    let again = Reference::parse(&familiar)
        .unwrap_or_else(|e| panic!("familiar {familiar:?} of {r:?} does not re-parse: {e}"));
    assert_eq!(&again, r, "familiar {familiar:?} re-parses differently");
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    // The CLI's split never fails; it must not panic either.
    let cli_ref = cli::reference::ImageRef::parse(s);
    let _ = cli_ref.familiar();
    let _ = cli_ref.full_repository();
    let _ = cli::reference::ImageRef::is_name_only(s);

    if let Ok(r) = Reference::parse(s) {
        reparses(&r);
        let tagged = r.with_default_tag();
        reparses(&tagged);
        let _ = r.familiar_name();
        if let Ok(t) = r.with_tag("fuzz") {
            reparses(&t);
        }
    }

    // `repo` and `tag` query parameters of tag/commit/import: "repo\0tag".
    if let Some((repo, tag)) = s.split_once('\0') {
        if let Ok(r) = Reference::from_repo_tag(repo, tag) {
            reparses(&r);
            assert!(
                r.tag().is_some() || r.digest().is_some(),
                "{r:?} has neither tag nor digest"
            );
        }
    }
});
