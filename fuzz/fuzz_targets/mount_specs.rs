//! Mount specs from untrusted clients: the daemon's `-v`/`Binds` (`parse_bind`), `HostConfig.Tmpfs`
//! (`parse_tmpfs`), `VolumesFrom` (`parse_volumes_from`) and `HostConfig.Mounts` (`parse_mount`,
//! fed with what the CLI's `--mount` CSV parser makes of the same bytes), and the CLI's `-v`
//! splitter. Properties: no panic; every accepted destination is absolute, clean (no `.`/`..`
//! components, no doubled or trailing `/`) and never `/` itself, so a mount can only land on a
//! path inside the container root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storage::{parse_bind, parse_mount, parse_tmpfs, parse_volumes_from, MountRequest};

fn check(spec: &str, request: &MountRequest) {
    let d = &request.destination;
    assert!(d.starts_with('/') && d != "/", "{spec:?} → destination {d:?}");
    assert!(
        !d.ends_with('/') && !d.contains("//"),
        "{spec:?} → unclean destination {d:?}"
    );
    assert!(
        d.split('/').all(|c| c != "." && c != ".."),
        "{spec:?} → destination {d:?} has dot components"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = parse_bind(s, "") {
        check(s, &r);
    }
    let (dest, options) = s.split_once('\n').unwrap_or((s, ""));
    if let Ok(r) = parse_tmpfs(dest, options) {
        check(s, &r);
    }
    let _ = parse_volumes_from(s);
    if let Ok(mount) = cli::mount_flag::parse_mount(s, Some(std::path::Path::new("/work"))) {
        if let Ok(r) = parse_mount(&mount) {
            check(s, &r);
        }
    }
    let _ = cli::volume_flag::parse_volume_spec(s);
});
