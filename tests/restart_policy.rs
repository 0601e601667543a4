//! Restart policies with the docker CLI: on-failure's limit, always's backoff and `stop`,
//! unless-stopped across a daemon crash with the container's processes gone, `update --restart`,
//! and dockerd's 400s.

use std::time::Duration;

use test_support::{eventually, expect_success, require_root, stderr, stdout, Daemon};

fn inspect(d: &Daemon, format: &str, name: &str) -> String {
    stdout(&d.docker(&["inspect", "-f", format, name]))
        .trim()
        .to_string()
}

fn restart_count(d: &Daemon, name: &str) -> i64 {
    inspect(d, "{{.RestartCount}}", name).parse().unwrap_or(-1)
}

#[test]
fn on_failure_restarts_at_most_n_times() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "flaky",
        "--restart",
        "on-failure:2",
        "busybox",
        "sh",
        "-c",
        "exit 3",
    ]));
    assert!(
        eventually(Duration::from_secs(10), || inspect(
            &d,
            "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}",
            "flaky"
        ) == "exited 2 3"),
        "{}",
        inspect(&d, "{{json .State}} {{.RestartCount}}", "flaky")
    );
    // No third restart comes later.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(restart_count(&d, "flaky"), 2);
    assert_eq!(inspect(&d, "{{.State.Status}}", "flaky"), "exited");
    // Three runs: three `start` and three `die` events, no `restart` (dockerd emits none).
    let events = d.past_events(&["container=flaky"], "{{.Action}}");
    let actions: Vec<&str> = events.lines().collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "start").count(),
        3,
        "{events}"
    );
    assert_eq!(
        actions.iter().filter(|a| a.starts_with("die")).count(),
        3,
        "{events}"
    );
    assert!(!actions.contains(&"restart"), "{events}");
    // A success ends on-failure's restarts at once; `docker start` resets the count.
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "fine",
        "--restart",
        "on-failure",
        "busybox",
        "true",
    ]));
    assert!(eventually(Duration::from_secs(5), || inspect(
        &d,
        "{{.State.Status}}",
        "fine"
    ) == "exited"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(restart_count(&d, "fine"), 0);
    expect_success(d.docker(&["rm", "-f", "flaky", "fine"]));
}

#[test]
fn always_keeps_restarting_until_stopped() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "loop",
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "sleep 0.2; exit 0",
    ]));
    assert!(
        eventually(Duration::from_secs(10), || restart_count(&d, "loop") >= 3),
        "{}",
        restart_count(&d, "loop")
    );
    // The backoff has grown past a second: the waiting state is visible as dockerd shows it.
    let mut seen = String::new();
    assert!(
        eventually(Duration::from_secs(8), || {
            seen = stdout(&d.docker(&["ps", "--filter", "name=loop", "--format", "{{.Status}}"]));
            seen.starts_with("Restarting (0) ")
                && inspect(
                    &d,
                    "{{.State.Status}} {{.State.Restarting}} {{.State.Running}}",
                    "loop",
                ) == "restarting true true"
        }),
        "{seen}"
    );
    // `stop` cancels the pending restart (or stops the running one) for good.
    expect_success(d.docker(&["stop", "-t", "1", "loop"]));
    assert_eq!(inspect(&d, "{{.State.Status}}", "loop"), "exited");
    let count = restart_count(&d, "loop");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(inspect(&d, "{{.State.Status}}", "loop"), "exited");
    assert_eq!(restart_count(&d, "loop"), count);
    // `start` clears the manual stop and the count; `rm -f` ends it again.
    expect_success(d.docker(&["start", "loop"]));
    assert!(eventually(Duration::from_secs(5), || restart_count(
        &d, "loop"
    ) >= 1));
    expect_success(d.docker(&["rm", "-f", "loop"]));
    let ps = stdout(&d.docker(&["ps", "-aq"]));
    assert!(ps.trim().is_empty(), "{ps}");
}

/// Kills the container's init (`pid`) and its shim, as a host reboot would leave it.
fn kill_container_processes(id: &str, pid: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-9", pid])
        .status();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains("berth-shim") && cmdline.contains(id) {
            let pid = entry.file_name().to_string_lossy().to_string();
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid])
                .status();
        }
    }
}

#[test]
fn unless_stopped_comes_back_after_a_daemon_crash() {
    require_root!();
    let mut d = Daemon::with_busybox();
    let run = |name: &str, policy: &str| {
        let out = d.docker(&[
            "run",
            "-d",
            "--name",
            name,
            "--restart",
            policy,
            "busybox",
            "sleep",
            "1000",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    let up = run("up", "unless-stopped");
    let down = run("down", "unless-stopped");
    let plain = run("plain", "no");
    let old_pid = inspect(&d, "{{.State.Pid}}", "up");
    expect_success(d.docker(&["stop", "-t", "1", "down"]));

    let plain_pid = inspect(&d, "{{.State.Pid}}", "plain");
    d.kill9();
    for (id, pid) in [(&up, &old_pid), (&plain, &plain_pid)] {
        kill_container_processes(id, pid);
    }
    std::thread::sleep(Duration::from_millis(500));
    d.restart();

    assert!(
        eventually(Duration::from_secs(10), || inspect(
            &d,
            "{{.State.Status}}",
            "up"
        ) == "running"),
        "{}",
        inspect(&d, "{{json .State}}", "up")
    );
    let new_pid = inspect(&d, "{{.State.Pid}}", "up");
    assert_ne!(new_pid, old_pid);
    assert!(std::path::Path::new(&format!("/proc/{new_pid}")).exists());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(inspect(&d, "{{.State.Status}}", "down"), "exited");
    assert_eq!(inspect(&d, "{{.State.Status}}", "plain"), "exited");
    expect_success(d.docker(&["rm", "-f", &up, &down, &plain]));
}

#[test]
fn update_restart_takes_effect_and_bad_policies_are_refused() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "later",
        "busybox",
        "sh",
        "-c",
        "sleep 1; exit 1",
    ]));
    expect_success(d.docker(&["update", "--restart", "always", "later"]));
    assert_eq!(
        inspect(&d, "{{.HostConfig.RestartPolicy.Name}}", "later"),
        "always"
    );
    assert!(
        eventually(Duration::from_secs(10), || restart_count(&d, "later") >= 1),
        "{}",
        inspect(&d, "{{json .State}}", "later")
    );
    expect_success(d.docker(&["rm", "-f", "later"]));

    let create = |host_config: &str| {
        let body = format!(r#"{{"Image":"busybox","Cmd":["true"],"HostConfig":{host_config}}}"#);
        d.request(
            "POST",
            "/v1.41/containers/create",
            Some(("application/json", body.as_bytes())),
        )
        .unwrap()
    };
    let r = create(r#"{"RestartPolicy":{"Name":"sometimes"}}"#);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.json()["message"],
        "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
    );
    let r = create(r#"{"RestartPolicy":{"Name":"always","MaximumRetryCount":3}}"#);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.json()["message"],
        "invalid restart policy: maximum retry count can only be used with 'on-failure'"
    );
    let r = create(r#"{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}"#);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.json()["message"],
        "can't create 'AutoRemove' container with restart policy"
    );
}
