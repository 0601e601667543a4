//! `berth-shim exec` against a real container shim (needs root): "The exec contract".

mod common;

use std::io::{Read, Write};
use std::net::Shutdown;

use common::{read_frames, Bundle};
use serde_json::{json, Value};

fn process(args: &[&str]) -> Value {
    json!({
        "user": {"uid": 0, "gid": 0},
        "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_EXEC=yes"],
        "cwd": "/",
    })
}

/// A running container (`sleep`), with a file written by its own process.
fn running_container() -> (Bundle, i32) {
    let mut b = Bundle::new(&["sh", "-c", "echo from-init > /tmp/marker; exec sleep 1000"]);
    let pid = b.run_detached();
    // The init writes the marker right after exec; wait for it through the container's root.
    let marker = format!("/proc/{pid}/root/tmp/marker");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(&marker).map_or(true, |s| s.is_empty()) {
        assert!(
            std::time::Instant::now() < deadline,
            "container never wrote its marker"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (b, pid)
}

/// Runs `process` in the container with stdout+stderr attached; returns (exit, out, err).
fn run_exec(b: &Bundle, pid: i32, process: Value) -> (Value, String, String) {
    let (hs, mut shim) = b.exec(pid, process, &[]);
    assert_eq!(hs["ok"], true, "{hs}");
    assert!(hs["pid"].as_i64().unwrap() > 0);
    let (ok, mut attach) = shim.request(json!({"op": "attach", "stdout": true, "stderr": true}));
    assert_eq!(ok["ok"], true);
    let waiter = shim.waiter();
    let start = shim.call(json!({"op": "start"}));
    let (out, err) = read_frames(&mut attach);
    let exit = waiter.exit();
    assert_eq!(shim.wait_exit(), Some(0), "exec shim exits after answering");
    assert!(!shim.socket.exists(), "exec socket removed");
    (json!({"start": start, "exit": exit}), out, err)
}

#[test]
fn exec_joins_the_containers_namespaces_root_and_cgroup() {
    let (b, pid) = running_container();
    let (result, out, err) = run_exec(
        &b,
        pid,
        process(&[
            "sh",
            "-c",
            "hostname; cat /tmp/marker; echo $FROM_EXEC; ps -o pid,args; \
             grep -E ':memory:' /proc/self/cgroup; ip -o link | wc -l; pwd",
        ]),
    );
    assert_eq!(result["start"]["ok"], true, "{result}");
    assert_eq!(result["exit"]["exit_code"], 0, "{result} err={err}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(&lines[..3], &["testhost", "from-init", "yes"], "{out}");
    // The container's init is PID 1 of the pid namespace the exec sees.
    assert!(lines.contains(&"1 sleep 1000"), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(":memory:/berth-shim-test-")),
        "exec runs in the container's cgroup: {out}"
    );
    // Only lo: the container's network namespace.
    assert!(lines.contains(&"1"), "{out}");
    assert_eq!(lines.last(), Some(&"/"));
    // Nothing of the exec is logged (Docker logs only the container's own output).
    assert!(b.log_entries().is_empty());
}

#[test]
fn exit_code_propagates_and_missing_binary_is_127() {
    let (b, pid) = running_container();
    let (result, _, _) = run_exec(&b, pid, process(&["sh", "-c", "exit 4"]));
    assert_eq!(result["exit"]["exit_code"], 4, "{result}");

    let (result, _, _) = run_exec(&b, pid, process(&["nope"]));
    assert_eq!(
        result["start"],
        json!({"ok": false, "error": "exec: \"nope\": executable file not found in $PATH"})
    );
    assert_eq!(result["exit"]["exit_code"], 127, "{result}");

    let (result, _, _) = run_exec(&b, pid, process(&["/etc/passwd"]));
    assert!(result["start"]["error"]
        .as_str()
        .unwrap()
        .contains("permission denied"));
    assert_eq!(result["exit"]["exit_code"], 126, "{result}");
}

#[test]
fn user_groups_and_cwd_of_the_exec() {
    let (b, pid) = running_container();
    let mut p = process(&[
        "sh",
        "-c",
        "id -u; id -G; pwd; grep CapEff /proc/self/status",
    ]);
    p["user"] = json!({"uid": 65534, "gid": 65534, "additionalGids": [10]});
    p["cwd"] = json!("/tmp");
    let (result, out, err) = run_exec(&b, pid, p);
    assert_eq!(result["exit"]["exit_code"], 0, "{result} {err}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        ["65534", "65534 10", "/tmp", "CapEff:\t0000000000000000"],
        "{err}"
    );
}

#[test]
fn missing_working_directory_fails_the_handshake() {
    let (b, pid) = running_container();
    let mut p = process(&["true"]);
    p["cwd"] = json!("/does/not/exist");
    let (hs, mut shim) = b.exec(pid, p, &[]);
    assert_eq!(hs["ok"], false, "{hs}");
    assert!(
        hs["error"].as_str().unwrap().contains("/does/not/exist"),
        "{hs}"
    );
    assert_eq!(shim.wait_exit(), Some(1));
    // The container is untouched.
    assert_eq!(b.call(json!({"op": "state"}))["status"], "running");
}

#[test]
fn exec_into_a_gone_container_fails_the_handshake() {
    let (b, pid) = running_container();
    let waiter = b.waiter();
    b.call(json!({"op": "kill", "signal": 9}));
    waiter.exit();
    let (hs, _shim) = b.exec(pid, process(&["true"]), &[]);
    assert_eq!(hs["ok"], false, "{hs}");
}

#[test]
fn stdin_reaches_the_exec_and_its_eof_closes_it() {
    let (b, pid) = running_container();
    let (hs, shim) = b.exec(pid, process(&["cat"]), &["--stdin", "--stdin-once"]);
    assert_eq!(hs["ok"], true, "{hs}");
    let (_, mut attach) =
        shim.request(json!({"op": "attach", "stdin": true, "stdout": true, "stderr": true}));
    let waiter = shim.waiter();
    assert_eq!(shim.call(json!({"op": "start"}))["ok"], true);
    attach.write_all(b"to exec\n").unwrap();
    attach.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_frames(&mut attach).0, "to exec\n");
    assert_eq!(waiter.exit()["exit_code"], 0);
}

#[test]
fn tty_exec_gets_a_pty_of_the_container_and_resizes() {
    let (b, pid) = running_container();
    let mut p = process(&["sh", "-c", "tty; stty size; read x; stty size; exit 5"]);
    p["terminal"] = json!(true);
    p["consoleSize"] = json!({"height": 30, "width": 90});
    let (hs, shim) = b.exec(pid, p, &["--stdin"]);
    assert_eq!(hs["ok"], true, "{hs}");
    let (_, mut attach) = shim.request(json!({"op": "attach", "stdin": true, "stdout": true}));
    let waiter = shim.waiter();
    assert_eq!(shim.call(json!({"op": "start"}))["ok"], true);
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&out).contains("30 90\r\n") {
        assert_eq!(attach.read(&mut byte).unwrap(), 1, "{out:?}");
        out.push(byte[0]);
    }
    assert_eq!(
        shim.call(json!({"op": "resize", "width": 132, "height": 43}))["ok"],
        true
    );
    attach.write_all(b"go\n").unwrap();
    attach.read_to_end(&mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    // The container's init holds no pty, so the exec's is the first of the container's devpts.
    assert_eq!(lines.first(), Some(&"/dev/pts/0"), "{out:?}");
    assert_eq!(lines.last(), Some(&"43 132"), "{out:?}");
    assert_eq!(waiter.exit()["exit_code"], 5);
}

#[test]
fn kill_signals_the_exec_process_only() {
    let (b, pid) = running_container();
    let (hs, shim) = b.exec(pid, process(&["sleep", "100"]), &[]);
    assert_eq!(hs["ok"], true, "{hs}");
    let waiter = shim.waiter();
    assert_eq!(shim.call(json!({"op": "start"}))["ok"], true);
    assert_eq!(shim.call(json!({"op": "state"}))["status"], "running");
    assert_eq!(shim.call(json!({"op": "kill", "signal": 15}))["ok"], true);
    let exit = waiter.exit();
    assert_eq!(exit["exit_code"], 143, "{exit}");
    assert_eq!(b.call(json!({"op": "state"}))["status"], "running");
}
