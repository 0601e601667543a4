//! The memory limit of an existing cgroup raised and lowered on the host's real cgroupfs, where
//! the kernel checks memory ≤ memory+swap on every write (a fake tree cannot).

use std::path::Path;

use cgroups::{detect_mode, CgroupMode, Resources};

fn memory(limit: i64) -> Resources {
    Resources {
        memory_limit: Some(limit),
        ..Default::default()
    }
}

fn read(file: &str, path: &str) -> String {
    std::fs::read_to_string(Path::new("/sys/fs/cgroup/memory").join(path).join(file))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn v1_memory_limit_can_be_raised_and_lowered() {
    let is_root = nix::unistd::Uid::effective().is_root();
    if !is_root || detect_mode().ok() != Some(CgroupMode::V1) {
        eprintln!("skipped: needs root and cgroup v1");
        return;
    }
    if !Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists() {
        eprintln!("skipped: no swap accounting (memory.memsw.limit_in_bytes)");
        return;
    }
    let path = format!("berth-test-memupdate-{}", std::process::id());
    let manager = cgroups::open(Path::new(&format!("/{path}"))).unwrap();
    manager.create().unwrap();
    let steps = [32 << 20, 64 << 20, 16 << 20];
    let results: Vec<_> = steps
        .iter()
        .map(|limit| {
            manager.apply(&memory(*limit)).map(|()| {
                (
                    read("memory.limit_in_bytes", &path),
                    read("memory.memsw.limit_in_bytes", &path),
                )
            })
        })
        .collect();
    manager.remove().unwrap();
    let expected: Vec<_> = steps
        .iter()
        .map(|limit| (limit.to_string(), limit.to_string()))
        .collect();
    assert_eq!(
        results.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        expected
    );
}
