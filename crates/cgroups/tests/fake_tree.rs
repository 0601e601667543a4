//! One suite, run against both managers on fake cgroupfs trees in temporary directories.

use std::path::{Path, PathBuf};

use cgroups::{detect_mode_at, open_at, CgroupMode, Resources, Stats};

const CG: &str = "/berth/c1";

/// What differs between v1 and v2: tree layout and file names/values.
struct Flavor {
    mode: CgroupMode,
    /// Prepares the fake hierarchy root(s).
    setup: fn(&Path),
    /// Files the kernel would create inside a new cgroup that `apply` only writes if present.
    after_create: fn(&Path),
    /// Directories created for the container.
    dirs: &'static [&'static str],
    /// (file, expected content) after `apply(&resources())`.
    applied: &'static [(&'static str, &'static str)],
    /// (file) receiving the pid.
    procs: &'static [&'static str],
    /// Files seeded to read stats back, and the expected result.
    stat_files: &'static [(&'static str, &'static str)],
    stats: fn() -> Stats,
    oom_file: (&'static str, &'static str),
    /// (file, frozen, thawed)
    freezer: (&'static str, &'static str, &'static str),
}

fn resources() -> Resources {
    Resources {
        memory_limit: Some(33_554_432),
        memory_swap: Some(67_108_864),
        cpu_quota: Some(50_000),
        cpu_period: Some(100_000),
        cpu_shares: Some(512),
        pids_limit: Some(20),
        devices: vec![
            cgroups::DeviceRule {
                allow: false,
                typ: 'a',
                major: None,
                minor: None,
                access: "rwm".into(),
            },
            cgroups::DeviceRule {
                allow: true,
                typ: 'c',
                major: Some(136),
                minor: None,
                access: "rwm".into(),
            },
        ],
    }
}

fn touch(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "").unwrap();
}

const V1_CONTROLLERS: &[&str] = &[
    "memory", "cpu", "cpuacct", "pids", "freezer", "blkio", "devices",
];

fn v1() -> Flavor {
    Flavor {
        mode: CgroupMode::V1,
        setup: |root| {
            for c in V1_CONTROLLERS {
                touch(&root.join(c).join("cgroup.procs"));
            }
            touch(&root.join("memory/memory.memsw.limit_in_bytes"));
        },
        after_create: |_| {},
        dirs: &[
            "memory/berth/c1",
            "cpu/berth/c1",
            "cpuacct/berth/c1",
            "pids/berth/c1",
            "freezer/berth/c1",
            "devices/berth/c1",
            "blkio/berth/c1",
        ],
        applied: &[
            ("memory/berth/c1/memory.limit_in_bytes", "33554432"),
            ("memory/berth/c1/memory.memsw.limit_in_bytes", "67108864"),
            ("cpu/berth/c1/cpu.cfs_quota_us", "50000"),
            ("cpu/berth/c1/cpu.cfs_period_us", "100000"),
            ("cpu/berth/c1/cpu.shares", "512"),
            ("pids/berth/c1/pids.max", "20"),
            ("devices/berth/c1/devices.deny", "a"),
            ("devices/berth/c1/devices.allow", "c 136:* rwm"),
        ],
        procs: &[
            "memory/berth/c1/cgroup.procs",
            "pids/berth/c1/cgroup.procs",
            "freezer/berth/c1/cgroup.procs",
            "blkio/berth/c1/cgroup.procs",
        ],
        stat_files: &[
            ("memory/berth/c1/memory.usage_in_bytes", "1048576\n"),
            ("memory/berth/c1/memory.limit_in_bytes", "33554432\n"),
            ("cpuacct/berth/c1/cpuacct.usage", "123456789\n"),
            ("pids/berth/c1/pids.current", "3\n"),
        ],
        stats: || Stats {
            memory_usage: 1_048_576,
            memory_limit: Some(33_554_432),
            cpu_usage_ns: 123_456_789,
            pids_current: 3,
        },
        oom_file: (
            "memory/berth/c1/memory.oom_control",
            "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        ),
        freezer: ("freezer/berth/c1/freezer.state", "FROZEN", "THAWED"),
    }
}

fn v2() -> Flavor {
    Flavor {
        mode: CgroupMode::V2,
        setup: |root| {
            std::fs::write(
                root.join("cgroup.controllers"),
                "cpuset cpu io memory pids\n",
            )
            .unwrap();
            touch(&root.join("cgroup.procs"));
        },
        after_create: |root| touch(&root.join("berth/c1/memory.swap.max")),
        dirs: &["berth/c1"],
        applied: &[
            ("berth/c1/memory.max", "33554432"),
            ("berth/c1/memory.swap.max", "33554432"),
            ("berth/c1/cpu.max", "50000 100000"),
            ("berth/c1/cpu.weight", "20"),
            ("berth/c1/pids.max", "20"),
            ("cgroup.subtree_control", "+cpu +memory +pids +io"),
        ],
        procs: &["berth/c1/cgroup.procs"],
        stat_files: &[
            ("berth/c1/memory.current", "1048576\n"),
            ("berth/c1/memory.max", "max\n"),
            (
                "berth/c1/cpu.stat",
                "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n",
            ),
            ("berth/c1/pids.current", "3\n"),
        ],
        stats: || Stats {
            memory_usage: 1_048_576,
            memory_limit: None,
            cpu_usage_ns: 1_500_000,
            pids_current: 3,
        },
        oom_file: (
            "berth/c1/memory.events",
            "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n",
        ),
        freezer: ("berth/c1/cgroup.freeze", "1", "0"),
    }
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn run_suite(flavor: Flavor) {
    let tmp = tempfile::tempdir().unwrap();
    let root: PathBuf = tmp.path().to_path_buf();
    (flavor.setup)(&root);
    assert_eq!(detect_mode_at(&root).unwrap(), flavor.mode);

    let cg = open_at(&root, Path::new(CG)).unwrap();
    cg.create().unwrap();
    for d in flavor.dirs {
        assert!(root.join(d).is_dir(), "{d} not created");
    }
    (flavor.after_create)(&root);

    cg.apply(&resources()).unwrap();
    for (file, want) in flavor.applied {
        assert_eq!(read(&root, file).trim(), *want, "{file}");
    }

    // A process joining by itself writes `0`: to every v1 `tasks` file (the kernel creates one
    // in each cgroup), or to v2's cgroup.procs.
    let self_files: Vec<String> = flavor
        .dirs
        .iter()
        .map(|d| match flavor.mode {
            CgroupMode::V1 => format!("{d}/tasks"),
            CgroupMode::V2 => format!("{d}/cgroup.procs"),
        })
        .collect();
    for f in &self_files {
        touch(&root.join(f));
    }
    cg.open_self_attach().unwrap().attach_self().unwrap();
    for f in &self_files {
        assert_eq!(read(&root, f), "0", "{f}");
    }

    cg.add_pid(4242).unwrap();
    for file in flavor.procs {
        assert_eq!(read(&root, file).trim(), "4242", "{file}");
    }
    assert_eq!(cg.pids().unwrap(), vec![4242]);

    for (file, content) in flavor.stat_files {
        std::fs::write(root.join(file), content).unwrap();
    }
    assert_eq!(cg.stats().unwrap(), (flavor.stats)());

    assert_eq!(
        cg.oom_kill_count().unwrap(),
        0,
        "no OOM file yet means no OOM kill"
    );
    std::fs::write(root.join(flavor.oom_file.0), flavor.oom_file.1).unwrap();
    assert_eq!(cg.oom_kill_count().unwrap(), 2);

    cg.freeze().unwrap();
    assert_eq!(read(&root, flavor.freezer.0), flavor.freezer.1);
    cg.thaw().unwrap();
    assert_eq!(read(&root, flavor.freezer.0), flavor.freezer.2);

    // A child cgroup (as created by a nested runtime) is removed first.
    std::fs::create_dir_all(root.join(flavor.dirs[0]).join("nested")).unwrap();
    cg.remove().unwrap();
    for d in flavor.dirs {
        assert!(!root.join(d).exists(), "{d} not removed");
    }
    cg.remove().unwrap(); // removing twice is fine

    assert!(open_at(&root, Path::new("/../escape")).is_err());
}

#[test]
fn v1_manager_on_fake_tree() {
    run_suite(v1());
}

#[test]
fn v2_manager_on_fake_tree() {
    run_suite(v2());
}

#[test]
fn unset_swap_means_no_swap_and_unlimited_means_max() {
    for flavor in [v1(), v2()] {
        let tmp = tempfile::tempdir().unwrap();
        (flavor.setup)(tmp.path());
        let cg = open_at(tmp.path(), Path::new(CG)).unwrap();
        cg.create().unwrap();
        (flavor.after_create)(tmp.path());
        let limit_only = Resources {
            memory_limit: Some(1 << 20),
            pids_limit: Some(0),
            ..Default::default()
        };
        cg.apply(&limit_only).unwrap();
        let (swap_file, swap_want, pids_file) = match flavor.mode {
            CgroupMode::V1 => (
                "memory/berth/c1/memory.memsw.limit_in_bytes",
                "1048576",
                "pids/berth/c1/pids.max",
            ),
            CgroupMode::V2 => ("berth/c1/memory.swap.max", "0", "berth/c1/pids.max"),
        };
        assert_eq!(read(tmp.path(), swap_file), swap_want);
        assert_eq!(read(tmp.path(), pids_file), "max");
        cg.remove().unwrap();
    }
}

#[test]
fn an_empty_directory_is_not_a_cgroup_tree() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(detect_mode_at(tmp.path()).is_err());
}

#[test]
fn shares_convert_to_weight_like_runc() {
    assert_eq!(cgroups::cpu_shares_to_weight(2), 1);
    assert_eq!(cgroups::cpu_shares_to_weight(1024), 39);
    assert_eq!(cgroups::cpu_shares_to_weight(262_144), 10_000);
}

#[test]
fn this_host_is_detected() {
    // The documented test host is hybrid: v1 controllers plus an empty cgroup2 at unified/.
    if Path::new("/sys/fs/cgroup/memory/cgroup.procs").exists() {
        assert_eq!(cgroups::detect_mode().unwrap(), CgroupMode::V1);
    }
}
