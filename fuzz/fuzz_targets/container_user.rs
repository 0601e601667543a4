//! A container's `--user` against the image's own /etc/passwd and /etc/group
//! (`engine::user::resolve_user_in_root`): both files come from the image, so they are untrusted.
//! Input: `spec\0passwd\0group`.
//! Properties: no panic; a numeric user resolves to that uid, and a `uid:gid` pair to both.
#![no_main]

use berth_fuzz::{fields, scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = fields(data, 3);
    let Ok(spec) = std::str::from_utf8(parts[0]) else {
        return;
    };
    let dir = scratch();
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).expect("create etc");
    std::fs::write(
        etc.join("passwd"),
        parts.get(1).copied().unwrap_or_default(),
    )
    .expect("write passwd");
    std::fs::write(etc.join("group"), parts.get(2).copied().unwrap_or_default())
        .expect("write group");
    let resolved = engine::user::resolve_user_in_root(spec, dir.path());
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if let Ok(uid) = user.parse::<u32>() {
        match group.map(str::parse::<u32>) {
            None => assert_eq!(resolved.expect("a numeric user resolves").uid, uid),
            Some(Ok(gid)) => {
                let r = resolved.expect("a numeric user:group resolves");
                assert_eq!((r.uid, r.gid), (uid, gid));
            }
            Some(Err(_)) => {}
        }
    }
});
