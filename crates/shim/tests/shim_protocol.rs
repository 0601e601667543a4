//! The real `berth-shim` binary driven through its socket (needs root).

mod common;

use std::io::Write;
use std::net::Shutdown;
use std::time::Duration;

use common::{read_frames, Bundle};
use serde_json::{json, Value};

#[test]
fn output_reaches_attach_and_log_and_exit_code_propagates() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "echo hello; echo oops >&2; cat /etc/hostname; hostname; ps -o pid,args; \
         grep -E ':(memory|pids):' /proc/1/cgroup; exit 3",
    ]);
    let hs = b.create(&[]);
    assert_eq!(hs["ok"], true, "{hs}");
    let pid = hs["pid"].as_i64().unwrap();
    assert_eq!(
        std::fs::read_to_string(b.path().join("init.pid")).unwrap(),
        pid.to_string()
    );
    let cgroups = b.cgroup_dirs();
    assert!(cgroups[0].exists(), "cgroup created");

    let state = b.call(json!({"op": "state"}));
    assert_eq!(state["status"], "created");
    let (ok, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    assert_eq!(ok["ok"], true);
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"})), json!({"ok": true}));
    let (out, err) = read_frames(&mut attach);
    assert_eq!(err, "oops\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..3], &["hello", "testhost", "testhost"], "{out}");
    // PID 1 is the command itself.
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("1 sh -c echo hello")),
        "{out}"
    );
    // The program ran inside its cgroup from its first instruction.
    let in_cgroup = lines
        .iter()
        .filter(|l| l.contains(":/berth-shim-test-"))
        .count();
    assert_eq!(in_cgroup, 2, "{out}");

    let wait = json!({"exit": waiter.exit()});
    assert_eq!(wait["exit"]["exit_code"], 3, "{wait}");
    assert_eq!(wait["exit"]["oom_killed"], false);
    let exit = b.exit_json();
    assert_eq!(exit["exit_code"], 3);
    assert_eq!(exit["signal"], Value::Null);
    assert!(exit["finished_at"].as_str().unwrap().ends_with('Z'));

    // stdout and stderr are pumped independently: order holds within a stream only.
    let log = b.log_entries();
    let first_stdout = log.iter().find(|e| e["stream"] == "stdout").unwrap();
    assert_eq!(first_stdout["log"], "hello\n");
    assert!(log
        .iter()
        .any(|e| e["log"] == "oops\n" && e["stream"] == "stderr"));

    b.wait_shim_exit();
    for d in cgroups {
        assert!(!d.exists(), "{} left behind", d.display());
    }
    assert!(!b.socket().exists(), "socket removed after exit");
}

#[test]
fn output_before_attach_is_logged() {
    let mut b = Bundle::new(&["sh", "-c", "echo early"]);
    assert_eq!(b.create(&[])["ok"], true);
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    assert_eq!(waiter.exit()["exit_code"], 0);
    assert_eq!(b.log_entries()[0]["log"], "early\n");
    b.wait_shim_exit();
}

#[test]
fn missing_executable_fails_start_like_docker() {
    let mut b = Bundle::new(&["nope"]);
    assert_eq!(b.create(&[])["ok"], true);
    let waiter = b.waiter();
    let start = b.call(json!({"op": "start"}));
    assert_eq!(
        start,
        json!({"ok": false, "error": "exec: \"nope\": executable file not found in $PATH"})
    );
    let exit = waiter.exit();
    assert_eq!(exit["exit_code"], 127);
    assert!(exit["error"]
        .as_str()
        .unwrap()
        .contains("executable file not found"));
    b.wait_shim_exit();
}

#[test]
fn non_executable_file_is_permission_denied() {
    let mut b = Bundle::new(&["/etc/passwd"]);
    assert_eq!(b.create(&[])["ok"], true);
    let waiter = b.waiter();
    let start = b.call(json!({"op": "start"}));
    assert_eq!(start["ok"], false);
    assert!(
        start["error"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{start}"
    );
    assert_eq!(waiter.exit()["exit_code"], 126);
}

#[test]
fn memory_limit_gets_oom_killed() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}",
    ]);
    b.spec["linux"]["resources"] = json!({"memory": {"limit": 32 * 1024 * 1024}});
    assert_eq!(b.create(&[])["ok"], true);
    let limit = std::fs::read_to_string(b.cgroup_dirs()[0].join("memory.limit_in_bytes")).unwrap();
    assert_eq!(limit.trim(), (32 * 1024 * 1024).to_string());
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    let exit = waiter.exit();
    assert_eq!(exit["oom_killed"], true, "{exit}");
    assert_eq!(b.exit_json()["oom_killed"], true);
    b.wait_shim_exit();
}

#[test]
fn pids_limit_stops_a_fork_loop() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo done",
    ]);
    b.spec["linux"]["resources"] = json!({"pids": {"limit": 10}});
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    let (out, err) = read_frames(&mut attach);
    assert!(
        err.contains("can't fork") || err.contains("Resource temporarily unavailable"),
        "out={out} err={err}"
    );
    // The init's exit takes the background sleeps with it (pid namespace).
    waiter.exit();
    b.wait_shim_exit();
}

#[test]
fn kill_reports_signal_exit() {
    let mut b = Bundle::new(&["sleep", "100"]);
    assert_eq!(b.create(&[])["ok"], true);
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    assert_eq!(b.call(json!({"op": "state"}))["status"], "running");
    // A connection accepted before the exit is still served after it.
    let mut late = std::os::unix::net::UnixStream::connect(b.socket()).unwrap();
    assert_eq!(
        b.call(json!({"op": "kill", "signal": 9})),
        json!({"ok": true})
    );
    let exit = waiter.exit();
    assert_eq!(exit["exit_code"], 137);
    assert_eq!(exit["signal"], 9);
    late.write_all(b"{\"op\":\"state\"}\n").unwrap();
    let state: Value = serde_json::from_str(&common::read_line(&mut late)).unwrap();
    assert_eq!(state["status"], "stopped");
    assert_eq!(state["exit"]["exit_code"], 137);
}

#[test]
fn stdin_is_forwarded_and_half_closed() {
    let mut b = Bundle::new(&["cat"]);
    assert_eq!(b.create(&["--stdin", "--stdin-once"])["ok"], true);
    let (_, mut attach) =
        b.request(json!({"op": "attach", "stdin": true, "stdout": true, "stderr": true}));
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    attach.write_all(b"ping\n").unwrap();
    attach.shutdown(Shutdown::Write).unwrap();
    let (out, _) = read_frames(&mut attach);
    assert_eq!(out, "ping\n");
    assert_eq!(waiter.exit()["exit_code"], 0);
}

#[test]
fn new_network_namespace_has_only_lo_up() {
    let mut b = Bundle::new(&["sh", "-c", "ip -o link; cat /proc/net/dev | wc -l"]);
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    b.call(json!({"op": "start"}));
    let (out, err) = read_frames(&mut attach);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "out={out} err={err}");
    assert!(lines[0].contains("lo:") && lines[0].contains("UP"), "{out}");
    assert_eq!(lines[1].trim(), "3", "only lo besides the two header lines");
}

#[test]
fn overlay_rootfs_is_mounted_inside_the_container_only() {
    let mut b = Bundle::new(&["sh", "-c", "echo written > /new-file; cat /new-file"]);
    let (lower, upper, work) = (
        b.path().join("rootfs"),
        b.path().join("upper"),
        b.path().join("work"),
    );
    let merged = b.path().join("merged");
    for d in [&upper, &work, &merged] {
        std::fs::create_dir(d).unwrap();
    }
    b.spec["root"]["path"] = json!(merged);
    b.spec["annotations"] = json!({"org.berth.rootfs.overlay": format!(
        "lowerdir={},upperdir={},workdir={}", lower.display(), upper.display(), work.display())});
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true}));
    let waiter = b.waiter();
    b.call(json!({"op": "start"}));
    assert_eq!(read_frames(&mut attach).0, "written\n");
    assert_eq!(waiter.exit()["exit_code"], 0);
    assert_eq!(
        std::fs::read_to_string(upper.join("new-file")).unwrap(),
        "written\n"
    );
    assert!(!lower.join("new-file").exists());
    let host_mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !host_mounts.contains(merged.to_str().unwrap()),
        "overlay leaked to the host"
    );
}

#[test]
fn user_cwd_env_and_rlimits_are_applied() {
    let mut b = Bundle::new(&["sh", "-c", "id -u; id -G; pwd; echo $GREETING; ulimit -n"]);
    b.spec["process"]["user"] = json!({"uid": 65534, "gid": 65534, "additionalGids": [10, 20]});
    b.spec["process"]["cwd"] = json!("/work/dir");
    b.spec["process"]["env"] = json!(["PATH=/bin", "GREETING=hi there"]);
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    b.call(json!({"op": "start"}));
    let (out, err) = read_frames(&mut attach);
    let hard = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .unwrap()
        .1;
    let want_nofile = hard.min(1_048_576).to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        vec![
            "65534",
            "65534 10 20",
            "/work/dir",
            "hi there",
            want_nofile.as_str()
        ],
        "err={err}"
    );
}

#[test]
fn shim_survives_its_parent_being_killed() {
    let mut b = Bundle::new(&["sh", "-c", "sleep 0.3; echo alive"]);
    b.create(&[]); // writes config.json; this shim is replaced below
    b.call(json!({"op": "kill", "signal": 9}));
    b.wait_shim_exit();
    let _ = std::fs::remove_file(b.path().join("exit.json"));

    // A parent process that spawns the shim and is then SIGKILLed, as berthd could be.
    let cmd = b.shim_command(&[]);
    let shim_line = format!(
        "{} {} > {}/hs.txt 2>/dev/null & sleep 100",
        cmd.get_program().to_str().unwrap(),
        cmd.get_args()
            .map(|a| a.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(" "),
        b.path().display()
    );
    let mut parent = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&shim_line)
        .spawn()
        .unwrap();
    let hs_path = b.path().join("hs.txt");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(&hs_path)
        .map(|s| !s.ends_with('\n'))
        .unwrap_or(true)
    {
        assert!(std::time::Instant::now() < deadline, "no handshake");
        std::thread::sleep(Duration::from_millis(10));
    }
    parent.kill().unwrap();
    parent.wait().unwrap();

    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true}));
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    assert_eq!(read_frames(&mut attach).0, "alive\n");
    assert_eq!(waiter.exit()["exit_code"], 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while b.socket().exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "orphaned shim did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn bad_config_fails_the_handshake() {
    let mut b = Bundle::new(&["true"]);
    b.spec["process"]["args"] = json!([]);
    let hs = b.create(&[]);
    assert_eq!(hs["ok"], false);
    assert!(hs["error"].as_str().unwrap().contains("args"), "{hs}");
    b.wait_shim_exit();
    assert!(!b.cgroup_dirs()[0].exists());
}

const DOCKER_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

#[test]
fn docker_security_settings_are_applied() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; \
         wc -c < /proc/timer_list; ls /sys/firmware | wc -l; \
         (echo x > /proc/sys/kernel/hostname) 2>&1 | grep -c 'Read-only'; \
         (touch /rootfile) 2>&1 | grep -c 'Read-only'",
    ]);
    b.spec["process"]["capabilities"] =
        json!({"bounding": DOCKER_CAPS, "effective": DOCKER_CAPS, "permitted": DOCKER_CAPS});
    b.spec["process"]["noNewPrivileges"] = json!(true);
    b.spec["root"]["readonly"] = json!(true);
    b.spec["linux"]["maskedPaths"] =
        json!(["/proc/timer_list", "/sys/firmware", "/proc/does-not-exist"]);
    b.spec["linux"]["readonlyPaths"] = json!(["/proc/sysrq-trigger", "/proc/sys"]);
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    let (out, err) = read_frames(&mut attach);
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        vec![
            "CapEff:\t00000000a80425fb",
            "CapBnd:\t00000000a80425fb",
            "NoNewPrivs:\t1",
            "0",
            "0",
            "1",
            "1"
        ],
        "err={err}"
    );
}

#[test]
fn terminal_containers_get_a_pty_with_raw_output_and_resize() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "stty size; read line; echo got $line; tty; stty size",
    ]);
    b.spec["process"]["terminal"] = json!(true);
    b.spec["process"]["consoleSize"] = json!({"height": 40, "width": 100});
    assert_eq!(b.create(&["--stdin"])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdin": true, "stdout": true}));
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n") {
        assert_eq!(
            std::io::Read::read(&mut attach, &mut byte).unwrap(),
            1,
            "{out:?}"
        );
        out.push(byte[0]);
    }
    assert_eq!(out, b"40 100\r\n");
    let resized = b.call(json!({"op": "resize", "width": 120, "height": 50}));
    assert_eq!(resized["ok"], true);
    attach.write_all(b"hello\n").unwrap();
    std::io::Read::read_to_end(&mut attach, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    // Raw terminal output: no stdcopy headers, CRLF line ends, the typed line echoed.
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.first(), Some(&"40 100"), "{out:?}");
    assert!(
        lines.contains(&"hello") && lines.contains(&"got hello"),
        "{out:?}"
    );
    assert_eq!(lines.last(), Some(&"50 120"), "{out:?}");
    // The pty belongs to the container's own devpts.
    assert!(lines.contains(&"/dev/pts/0"), "{out:?}");
    assert_eq!(waiter.exit()["exit_code"], 0);
    assert!(b.log_entries().iter().all(|e| e["stream"] == "stdout"));
}

#[test]
fn device_cgroup_blocks_host_devices() {
    let mut b = Bundle::new(&[
        "sh",
        "-c",
        "mknod /tmp/mem c 1 1 && echo made; head -c 1 /tmp/mem; echo mem=$?; head -c 1 /dev/zero | wc -c",
    ]);
    assert_eq!(b.create(&[])["ok"], true);
    let (_, mut attach) = b.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    let (out, err) = read_frames(&mut attach);
    assert_eq!(out, "made\nmem=1\n1\n", "err={err}");
    assert!(err.contains("Operation not permitted"), "{err}");
    assert_eq!(waiter.exit()["exit_code"], 0);
}

#[test]
fn sigkill_ends_a_frozen_container() {
    let mut b = Bundle::new(&["sh", "-c", "sleep 1000 & exec sleep 1000"]);
    let cgroup_path = b.spec["linux"]["cgroupsPath"].as_str().unwrap().to_owned();
    b.run_detached();
    let waiter = b.waiter();
    let cg = cgroups::open(std::path::Path::new(&cgroup_path)).unwrap();
    cg.freeze().unwrap();
    let freezer = b.cgroup_dirs()[3].join("freezer.state");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(&freezer).unwrap().trim() != "FROZEN" {
        assert!(std::time::Instant::now() < deadline, "never froze");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        b.call(json!({"op": "kill", "signal": 9})),
        json!({"ok": true})
    );
    assert_eq!(waiter.exit()["exit_code"], 137);
    b.wait_shim_exit();
    assert!(!b.cgroup_dirs()[0].exists());
}
