//! Detached containers: logs, ps, stop, kill, restart, rm; daemon restarts; side-by-side daemons.

use std::time::Duration;

use test_support::{eventually, require_root, stderr, stdout, Daemon};

const TICKER: &str = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done";

#[test]
fn detached_logs_ps_stop_rm_with_docker() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&[
        "run", "-d", "--name", "ticker", "busybox", "sh", "-c", TICKER,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(id.len(), 64, "run -d prints the full id: {id:?}");

    assert!(eventually(Duration::from_secs(5), || stdout(
        &d.docker(&["logs", "ticker"])
    )
    .lines()
    .count()
        >= 3));
    let tail = stdout(&d.docker(&["logs", "--tail", "2", "ticker"]));
    let lines: Vec<&str> = tail.lines().collect();
    assert_eq!(lines.len(), 2, "tail 2: {tail:?}");
    assert!(lines.iter().all(|l| l.starts_with("tick ")));

    let ps = stdout(&d.docker(&["ps"]));
    let header = ps.lines().next().unwrap();
    for column in [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = ps
        .lines()
        .find(|l| l.contains(&id[..12]))
        .expect("container in ps");
    assert!(row.contains("Up "), "{row}");
    assert!(row.trim_end().ends_with(" ticker"), "{row}");

    let out = d.docker(&["stop", "-t", "1", "ticker"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "ticker");
    let ps = stdout(&d.docker(&["ps", "-a"]));
    let row = ps
        .lines()
        .find(|l| l.contains(&id[..12]))
        .expect("container in ps -a");
    assert!(
        row.contains("Exited (137)") || row.contains("Exited (143)"),
        "{row}"
    );
    assert!(!stdout(&d.docker(&["ps", "-q"])).contains(&id[..12]));

    // Stopping again is not an error (304).
    assert_eq!(d.docker(&["stop", "ticker"]).status.code(), Some(0));
    assert_eq!(d.docker(&["rm", "ticker"]).status.code(), Some(0));
    assert_eq!(stdout(&d.docker(&["ps", "-aq"])).trim(), "");
}

#[test]
fn detached_lifecycle_with_berth() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.berth(&["run", "-d", "--name", "bt", "busybox", "sh", "-c", TICKER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(eventually(Duration::from_secs(5), || stdout(
        &d.berth(&["logs", "bt"])
    )
    .lines()
    .count()
        >= 3));
    assert_eq!(
        stdout(&d.berth(&["logs", "--tail", "1", "bt"]))
            .lines()
            .count(),
        1
    );
    assert!(stdout(&d.berth(&["ps"]))
        .lines()
        .any(|l| l.trim_end().ends_with(" bt")));

    // rm of a running container without -f is refused.
    let out = d.berth(&["rm", "bt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("You cannot remove a running container"),
        "{}",
        stderr(&out)
    );

    assert_eq!(d.berth(&["kill", "bt"]).status.code(), Some(0));
    let code = stdout(&d.berth(&["wait", "bt"])).trim().to_string();
    assert_eq!(code, "137");
    assert_eq!(
        d.berth(&["restart", "-t", "1", "bt"]).status.code(),
        Some(0)
    );
    let state = stdout(&d.berth(&["inspect", "-f", "{{.State.Status}}", "bt"]));
    assert_eq!(state.trim(), "running", "inspect: {state}");
    assert_eq!(d.berth(&["rm", "-f", "bt"]).status.code(), Some(0));
    assert_eq!(stdout(&d.berth(&["ps", "-aq"])).trim(), "");
}

#[test]
fn create_then_start_attach() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["create", "--name", "cr", "busybox", "echo", "created"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = stdout(&d.docker(&["inspect", "-f", "{{.State.Status}}", "cr"]));
    assert_eq!(status.trim(), "created");
    let out = d.docker(&["start", "-a", "cr"]);
    assert_eq!(stdout(&out), "created\n", "{}", stderr(&out));
    // An exited container can start again; its log keeps both runs.
    let out = d.docker(&["start", "-a", "cr"]);
    assert_eq!(stdout(&out), "created\n", "{}", stderr(&out));
    assert_eq!(stdout(&d.docker(&["logs", "cr"])), "created\ncreated\n");
}

#[test]
fn containers_survive_kill_9_of_the_daemon() {
    require_root!();
    let mut d = Daemon::with_busybox();
    let out = d.docker(&["run", "-d", "--name", "keep", "busybox", "sh", "-c", TICKER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = d.docker(&[
        "run",
        "-d",
        "--name",
        "short",
        "busybox",
        "sh",
        "-c",
        "sleep 1; exit 7",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(eventually(Duration::from_secs(5), || stdout(
        &d.docker(&["logs", "keep"])
    )
    .lines()
    .count()
        >= 2));

    d.kill9();
    std::thread::sleep(Duration::from_millis(2000));
    d.restart();

    let ps = stdout(&d.docker(&["ps"]));
    assert!(
        ps.lines()
            .any(|l| l.trim_end().ends_with(" keep") && l.contains("Up ")),
        "{ps}"
    );
    let inspect = stdout(&d.docker(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "short",
    ]));
    assert_eq!(inspect.trim(), "exited 7");

    // The log has no gap: tick numbers are consecutive across the daemon's downtime.
    std::thread::sleep(Duration::from_millis(500));
    let logs = stdout(&d.docker(&["logs", "keep"]));
    let numbers: Vec<u64> = logs
        .lines()
        .filter_map(|l| l.strip_prefix("tick ")?.parse().ok())
        .collect();
    assert!(numbers.len() >= 10, "{logs}");
    let expected: Vec<u64> = (0..numbers.len() as u64).collect();
    assert_eq!(numbers, expected);

    let out = d.docker(&["stop", "-t", "1", "keep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = stdout(&d.docker(&["inspect", "-f", "{{.State.Status}}", "keep"]));
    assert_eq!(status.trim(), "exited");
}

#[test]
fn two_daemons_run_side_by_side() {
    require_root!();
    let a = Daemon::with_busybox();
    let b = Daemon::with_busybox();
    assert_eq!(
        a.docker(&["run", "-d", "--name", "same", "busybox", "sleep", "30"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        b.docker(&["run", "-d", "--name", "same", "busybox", "sleep", "30"])
            .status
            .code(),
        Some(0)
    );
    let ids_a = stdout(&a.docker(&["ps", "-q", "--no-trunc"]));
    let ids_b = stdout(&b.docker(&["ps", "-q", "--no-trunc"]));
    assert_eq!(ids_a.lines().count(), 1);
    assert_eq!(ids_b.lines().count(), 1);
    assert_ne!(ids_a, ids_b);
    assert_eq!(a.docker(&["rm", "-f", "same"]).status.code(), Some(0));
    // b's container is untouched by a's removal.
    let status = stdout(&b.docker(&["inspect", "-f", "{{.State.Status}}", "same"]));
    assert_eq!(status.trim(), "running");
}
