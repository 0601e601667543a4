//! `linux.seccomp` enforced in containers and execs (needs root).

mod common;

use common::{read_frames, Bundle};
use serde_json::{json, Value};

const DOCKER_CAPS: &[&str] = runtime::seccomp::DOCKER_DEFAULT_CAPABILITIES;

fn deny_mkdir() -> Value {
    json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    })
}

/// Runs the bundle to its end; returns (exit code, stdout, stderr).
fn run(b: &mut Bundle) -> (i64, String, String) {
    let hs = b.create(&[]);
    assert_eq!(hs["ok"], true, "{hs}");
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    let waiter = b.waiter();
    let start = b.call(json!({"op": "start"}));
    assert_eq!(start["ok"], true, "{start}");
    let (out, err) = read_frames(&mut attach);
    let code = waiter.exit()["exit_code"].as_i64().unwrap();
    b.wait_shim_exit();
    (code, out, err)
}

#[test]
fn a_profile_denying_mkdir_gives_eperm() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "mkdir /tmp/d; echo mkdir=$?; touch /tmp/f && echo touched",
    ]);
    b.spec["linux"]["seccomp"] = deny_mkdir();
    let (code, out, err) = run(&mut b);
    assert_eq!(code, 0);
    assert_eq!(out, "mkdir=1\ntouched\n", "err={err}");
    assert!(err.contains("Operation not permitted"), "{err}");
}

#[test]
fn the_filter_is_installed_late_with_no_new_privileges_for_an_unprivileged_user() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "mkdir /tmp/d; echo mkdir=$?; grep Seccomp: /proc/self/status",
    ]);
    b.spec["linux"]["seccomp"] = deny_mkdir();
    b.spec["process"]["user"] = json!({"uid": 65534, "gid": 65534});
    b.spec["process"]["noNewPrivileges"] = json!(true);
    b.spec["process"]["capabilities"] =
        json!({"bounding": DOCKER_CAPS, "effective": [], "permitted": []});
    let (_, out, err) = run(&mut b);
    // mode 2: a filter is active.
    assert_eq!(out, "mkdir=1\nSeccomp:\t2\n", "err={err}");
}

#[test]
fn dockers_default_profile_blocks_unshare_but_runs_busybox_tools() {
    // CAP_SYS_ADMIN is granted on purpose, so only the filter (resolved for Docker's default
    // capabilities) can be what refuses unshare.
    let caps: Vec<&str> = DOCKER_CAPS
        .iter()
        .copied()
        .chain(["CAP_SYS_ADMIN"])
        .collect();
    let script = "unshare -m true; echo unshare=$?; ps -o pid,args | wc -l; ls / | grep -c bin; \
                  dd if=/dev/zero of=/tmp/z bs=1k count=16 2>/dev/null; wc -c < /tmp/z; \
                  grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status";
    let mut b = Bundle::new(&["sh", "-c", script]);
    b.spec["process"]["capabilities"] =
        json!({"bounding": caps, "effective": caps, "permitted": caps});
    b.spec["linux"]["seccomp"] =
        serde_json::to_value(runtime::seccomp::docker_default_profile()).unwrap();
    let (code, out, err) = run(&mut b);
    assert_eq!(code, 0, "out={out} err={err}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(lines[0], "unshare=1", "out={out} err={err}");
    assert!(err.contains("Operation not permitted"), "{err}");
    assert!(
        lines[1].parse::<u32>().unwrap() >= 3,
        "ps listed processes: {out}"
    );
    // The filter does not imply no_new_privs (setuid binaries keep working, as in Docker).
    assert_eq!(
        &lines[2..],
        ["1", "16384", "NoNewPrivs:\t0", "Seccomp:\t2"],
        "err={err}"
    );

    // The same container without the filter may unshare: the filter made the difference.
    let mut control = Bundle::new(&["sh", "-c", "unshare -m true; echo unshare=$?"]);
    control.spec["process"]["capabilities"] =
        json!({"bounding": caps, "effective": caps, "permitted": caps});
    assert_eq!(run(&mut control).1, "unshare=0\n");
}

#[test]
fn an_inexpressible_profile_fails_the_create() {
    let mut b = Bundle::new(&["true"]);
    b.spec["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
    });
    let hs = b.create(&[]);
    assert_eq!(hs["ok"], false, "{hs}");
    assert!(hs["error"].as_str().unwrap().contains("seccomp"), "{hs}");
    b.wait_shim_exit();
    assert!(!b.cgroup_dirs()[0].exists());
}

#[test]
fn execs_get_the_containers_filter() {
    let mut b = Bundle::new(&["sleep", "1000"]);
    b.spec["linux"]["seccomp"] = deny_mkdir();
    let pid = b.run_detached();
    let (hs, shim) = b.exec(
        pid,
        json!({"user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "mkdir /tmp/e; echo mkdir=$?"],
               "env": ["PATH=/bin"], "cwd": "/"}),
        &[],
    );
    assert_eq!(hs["ok"], true, "{hs}");
    let (_, mut attach) = shim.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    assert_eq!(shim.call(json!({"op": "start"}))["ok"], true);
    let (out, err) = read_frames(&mut attach);
    assert_eq!(out, "mkdir=1\n", "err={err}");
}
