//! Resource limits land in the container's cgroup and are enforced (cgroup v1 on this host; v2 is
//! unit-tested in the cgroups crate against a fake tree).

use std::path::PathBuf;
use std::time::Duration;

use test_support::{eventually, require_root, stderr, stdout, Daemon};

/// The container's cgroup directory in one controller: `/<cgroup-parent>/<id>` (docs/architecture.md).
fn cgroup_file(d: &Daemon, controller: &str, id: &str, file: &str) -> PathBuf {
    let v1 = PathBuf::from("/sys/fs/cgroup")
        .join(controller)
        .join(&d.cgroup_parent)
        .join(id)
        .join(file);
    if PathBuf::from("/sys/fs/cgroup").join(controller).exists() {
        v1
    } else {
        PathBuf::from("/sys/fs/cgroup")
            .join(&d.cgroup_parent)
            .join(id)
            .join(file)
    }
}

fn read_trim(path: &PathBuf) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .trim()
        .to_string()
}

#[test]
fn memory_limit_is_set_and_oom_kills() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["run", "-d", "--memory", "32m", "busybox", "sleep", "30"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(
        read_trim(&cgroup_file(&d, "memory", &id, "memory.limit_in_bytes")),
        "33554432"
    );
    let memory = stdout(&d.docker(&["inspect", "-f", "{{.HostConfig.Memory}}", &id]));
    assert_eq!(memory.trim(), "33554432");

    // dd with a 100 MB block size allocates and touches 100 MB in one buffer.
    let out = d.docker(&[
        "run",
        "--name",
        "oom",
        "--memory",
        "32m",
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=100M",
        "count=1",
    ]);
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
    let oom = stdout(&d.docker(&[
        "inspect",
        "-f",
        "{{.State.OOMKilled}} {{.State.ExitCode}}",
        "oom",
    ]));
    assert_eq!(oom.trim(), "true 137");
}

#[test]
fn pids_limit_stops_a_fork_bomb() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&[
        "run",
        "-d",
        "--pids-limit",
        "20",
        "busybox",
        "sh",
        "-c",
        // The inner shell dies when fork fails; the outer one then execs (no fork needed) and keeps the
        // container, its cgroup and the surviving sleeps alive for the checks.
        "sh -c 'for i in $(seq 1 60); do sleep 60 & done; echo spawned'; exec sleep 60",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert!(eventually(Duration::from_secs(10), || {
        let logs = d.docker(&["logs", &id]);
        stdout(&logs).contains("spawned") || stderr(&logs).contains("fork")
    }));
    assert_eq!(read_trim(&cgroup_file(&d, "pids", &id, "pids.max")), "20");
    let current: u64 = read_trim(&cgroup_file(&d, "pids", &id, "pids.current"))
        .parse()
        .unwrap();
    assert!(current <= 20, "pids.current = {current}");
    let logs = d.docker(&["logs", &id]);
    assert!(
        stderr(&logs).contains("fork"),
        "expected fork failures, stderr: {}",
        stderr(&logs)
    );
}

#[test]
fn cpus_set_quota_and_period() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.berth(&[
        "run",
        "-d",
        "--cpus",
        "0.5",
        "--cpu-shares",
        "512",
        "busybox",
        "sleep",
        "30",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let cpu = |file: &str| read_trim(&cgroup_file(&d, "cpu", &id, file));
    if PathBuf::from("/sys/fs/cgroup/cpu").exists() {
        assert_eq!(cpu("cpu.cfs_quota_us"), "50000");
        assert_eq!(cpu("cpu.cfs_period_us"), "100000");
        assert_eq!(cpu("cpu.shares"), "512");
    } else {
        assert_eq!(
            read_trim(&cgroup_file(&d, "", &id, "cpu.max")),
            "50000 100000"
        );
    }
    let nano = stdout(&d.docker(&["inspect", "-f", "{{.HostConfig.NanoCpus}}", &id]));
    assert_eq!(nano.trim(), "500000000");
}

#[test]
fn cgroup_is_removed_with_the_container() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["run", "-d", "--memory", "64m", "busybox", "sleep", "30"]);
    let id = stdout(&out).trim().to_string();
    let dir = cgroup_file(&d, "memory", &id, "");
    assert!(dir.exists(), "{} missing", dir.display());
    assert_eq!(d.docker(&["rm", "-f", &id]).status.code(), Some(0));
    assert!(
        eventually(Duration::from_secs(5), || !dir.exists()),
        "{} left behind",
        dir.display()
    );
}
