//! `run` through the real docker CLI and through `berth`: output, exit codes, isolation.

use std::io::Write;
use std::process::Stdio;

use test_support::{require_root, stderr, stdout, Daemon};

#[test]
fn docker_run_echo_prints_and_exit_code_propagates() {
    require_root!();
    let d = Daemon::with_busybox();

    let out = d.docker(&["run", "--rm", "busybox", "echo", "hi"]);
    assert_eq!(stdout(&out), "hi\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));

    let out = d.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "out\n");
    assert_eq!(stderr(&out), "err\n");
}

#[test]
fn berth_run_echo_prints_and_exit_code_propagates() {
    require_root!();
    let d = Daemon::with_busybox();

    let out = d.berth(&["run", "--rm", "busybox", "echo", "hi"]);
    assert_eq!(stdout(&out), "hi\n", "stderr: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));

    let out = d.berth(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "out\n");
    assert_eq!(stderr(&out), "err\n");
}

#[test]
fn piped_stdin_reaches_the_container() {
    require_root!();
    let d = Daemon::with_busybox();
    for mut cmd in [
        d.docker_cmd(&["run", "--rm", "-i", "busybox", "cat"]),
        d.berth_cmd(&["run", "--rm", "-i", "busybox", "cat"]),
    ] {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"line1\nline2\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(stdout(&out), "line1\nline2\n");
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn container_sees_only_its_own_processes() {
    require_root!();
    let d = Daemon::with_busybox();
    for out in [
        d.docker(&["run", "--rm", "busybox", "ps", "-o", "pid,args"]),
        d.berth(&["run", "--rm", "busybox", "ps", "-o", "pid,args"]),
    ] {
        let text = stdout(&out);
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "expected only ps itself, got:\n{text}");
        assert_eq!(
            rows[0].split_whitespace().collect::<Vec<_>>(),
            ["1", "ps", "-o", "pid,args"]
        );
    }
}

#[test]
fn hostname_is_the_short_id() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["run", "--name", "hn", "busybox", "cat", "/etc/hostname"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&d.docker(&["inspect", "-f", "{{.Id}}", "hn"]))
        .trim()
        .to_string();
    assert_eq!(id.len(), 64);
    assert_eq!(stdout(&out).trim(), &id[..12]);
    let uts = stdout(&d.docker(&["run", "--rm", "busybox", "hostname"]));
    assert_eq!(uts.trim().len(), 12, "hostname {uts:?}");
    // `--domainname` is the UTS namespace's domain name, as runc sets it.
    let out = d.docker(&[
        "run",
        "--rm",
        "--domainname",
        "example.org",
        "busybox",
        "cat",
        "/proc/sys/kernel/domainname",
    ]);
    assert_eq!(stdout(&out).trim(), "example.org", "{}", stderr(&out));
}

#[test]
fn files_written_in_a_container_stay_inside_and_go_with_rm() {
    require_root!();
    let d = Daemon::with_busybox();
    let marker = "berth-e2e-marker-file";
    let out = d.docker(&[
        "run",
        "--name",
        "w1",
        "busybox",
        "sh",
        "-c",
        &format!("echo x > /{marker} && cat /{marker}"),
    ]);
    assert_eq!(stdout(&out), "x\n", "{}", stderr(&out));
    assert!(!std::path::Path::new(&format!("/{marker}")).exists());
    // A new container from the same image does not see it.
    let out = d.docker(&["run", "--rm", "busybox", "ls", &format!("/{marker}")]);
    assert_ne!(out.status.code(), Some(0));
    // The writable layer lives under the data root and is gone after rm.
    let id = stdout(&d.docker(&["inspect", "-f", "{{.Id}}", "w1"]))
        .trim()
        .to_string();
    let container_dir = d.data_root.join("containers").join(&id);
    assert!(container_dir.exists());
    assert_eq!(d.docker(&["rm", "w1"]).status.code(), Some(0));
    assert!(!container_dir.exists());
}

#[test]
fn run_rm_leaves_no_container_behind() {
    require_root!();
    let d = Daemon::with_busybox();
    assert_eq!(
        d.docker(&["run", "--rm", "busybox", "true"]).status.code(),
        Some(0)
    );
    assert_eq!(
        d.berth(&["run", "--rm", "busybox", "true"]).status.code(),
        Some(0)
    );
    let all = stdout(&d.docker(&["ps", "-aq"]));
    assert_eq!(all.trim(), "", "containers left: {all}");
    let dirs = std::fs::read_dir(d.data_root.join("containers"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert_eq!(dirs, 0);
}

#[test]
fn env_workdir_user_and_entrypoint_apply() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&[
        "run",
        "--rm",
        "-e",
        "FOO=bar",
        "-w",
        "/tmp/newdir",
        "-u",
        "65534:65534",
        "busybox",
        "sh",
        "-c",
        "echo $FOO; pwd; id -u; id -g",
    ]);
    assert_eq!(
        stdout(&out),
        "bar\n/tmp/newdir\n65534\n65534\n",
        "{}",
        stderr(&out)
    );
    let out = d.berth(&["run", "--rm", "-u", "nobody", "busybox", "id", "-u"]);
    assert_eq!(stdout(&out), "65534\n", "{}", stderr(&out));
    let out = d.docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "echo",
        "busybox",
        "from",
        "entrypoint",
    ]);
    assert_eq!(stdout(&out), "from entrypoint\n");
}

#[test]
fn missing_executable_exits_127() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["run", "--rm", "busybox", "nope-not-here"]);
    assert_eq!(out.status.code(), Some(127), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("executable file not found"),
        "{}",
        stderr(&out)
    );
    let out = d.berth(&["run", "--rm", "busybox", "nope-not-here"]);
    assert_eq!(out.status.code(), Some(127), "stderr: {}", stderr(&out));
}

#[test]
fn network_none_has_only_loopback_and_host_shares_the_host() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "ls",
        "/sys/class/net",
    ]);
    assert_eq!(
        stdout(&out).split_whitespace().collect::<Vec<_>>(),
        ["lo"],
        "{}",
        stderr(&out)
    );
    let out = d.docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "cat",
        "/sys/class/net/lo/operstate",
    ]);
    assert_ne!(stdout(&out).trim(), "down", "lo must be up");
    // Other tests add and remove links on the host meanwhile: look for links that stay, the
    // daemon's own bridge among them.
    let out = d.docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "busybox",
        "ls",
        "/sys/class/net",
    ]);
    let links: Vec<String> = stdout(&out)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let bridge = d.net.bridge();
    assert!(
        links.contains(&"lo".to_string()) && links.contains(&bridge),
        "{links:?} lacks lo or {bridge}: {}",
        stderr(&out)
    );
    // dockerd appends `--add-host` entries to its copy of the host's /etc/hosts.
    let out = d.docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--add-host",
        "extra.test:10.1.2.3",
        "busybox",
        "cat",
        "/etc/hosts",
    ]);
    assert!(
        stdout(&out).ends_with("10.1.2.3\textra.test\n"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn default_confinement_matches_docker_and_privileged_lifts_it() {
    require_root!();
    let d = Daemon::with_busybox();
    let status = |args: &[&str]| {
        let out = d.docker(args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let confined = status(&["run", "--rm", "busybox", "cat", "/proc/self/status"]);
    assert!(confined.lines().any(|l| l == "Seccomp:\t2"), "{confined}");
    // Docker's 14 default capabilities.
    assert!(
        confined.lines().any(|l| l == "CapEff:\t00000000a80425fb"),
        "{confined}"
    );
    let out = d.docker(&["run", "--rm", "busybox", "cat", "/proc/kcore"]);
    assert_eq!(stdout(&out), "", "/proc/kcore is masked");

    let added = status(&[
        "run",
        "--rm",
        "--cap-add",
        "NET_ADMIN",
        "--cap-drop",
        "CHOWN",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    assert!(
        added.lines().any(|l| l == "CapEff:\t00000000a80435fa"),
        "{added}"
    );

    let privileged = status(&[
        "run",
        "--rm",
        "--privileged",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    assert!(
        privileged.lines().any(|l| l == "Seccomp:\t0"),
        "{privileged}"
    );
    let unconfined = status(&[
        "run",
        "--rm",
        "--security-opt",
        "seccomp=unconfined",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    assert!(
        unconfined.lines().any(|l| l == "Seccomp:\t0"),
        "{unconfined}"
    );
}
