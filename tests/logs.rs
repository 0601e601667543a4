//! `docker logs` / `berth logs` (issue 3): follow ends at stop, --tail/--since/--until/-t,
//! rotation bounds the files on disk and stays readable, follow across rotation, driver none.

use std::process::Stdio;
use std::time::Duration;

use test_support::{eventually, expect_success, require_root, stderr, stdout, Daemon};

fn cli(d: &Daemon, which: &str, args: &[&str]) -> std::process::Output {
    if which == "docker" {
        d.docker(args)
    } else {
        d.berth(args)
    }
}

#[test]
fn follow_ends_at_stop_and_tail_since_timestamps() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "lg",
        "busybox",
        "sh",
        "-c",
        // Each step waits for the test: stdout and stderr are separate pipes, so only this
        // makes "err" the last entry, and "second" come after the tail checks.
        "echo first; until [ -e /tmp/err ]; do sleep 0.05; done; echo err >&2; \
         until [ -e /tmp/go ]; do sleep 0.05; done; sleep 1; echo second; \
         while true; do sleep 0.2; done",
    ]));
    let logged = |out: std::process::Output| format!("{}{}", stdout(&out), stderr(&out));
    assert!(eventually(Duration::from_secs(20), || logged(
        d.docker(&["logs", "lg"])
    )
    .contains("first")));
    expect_success(d.docker(&["exec", "lg", "touch", "/tmp/err"]));
    assert!(eventually(Duration::from_secs(20), || logged(
        d.docker(&["logs", "lg"])
    )
    .contains("err")));
    for which in ["docker", "berth"] {
        let out = cli(&d, which, &["logs", "--tail", "1", "lg"]);
        // stdout and stderr count together: the last entry is "err" on stderr.
        assert_eq!(
            (stdout(&out).as_str(), stderr(&out).as_str()),
            ("", "err\n"),
            "{which}"
        );
        let out = expect_success(cli(&d, which, &["logs", "-t", "--tail", "2", "lg"]));
        let line = out.lines().next().unwrap_or_default();
        let (ts, text) = line.split_once(' ').unwrap();
        assert_eq!(text, "first", "{which}: {out}");
        assert!(
            ts.ends_with('Z') && ts.len() == 30,
            "{which}: RFC 3339 nanos: {ts}"
        );
    }
    expect_success(d.docker(&["exec", "lg", "touch", "/tmp/go"]));
    assert!(eventually(Duration::from_secs(20), || expect_success(
        d.docker(&["logs", "lg"])
    )
    .contains("second")));
    // --since after the first lines keeps only the later one.
    let second_at = expect_success(d.docker(&["logs", "-t", "lg"]))
        .lines()
        .find(|l| l.ends_with(" second"))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    // Half a second before "second" (unix seconds, as --until also accepts).
    let before_second = {
        let out = std::process::Command::new("date")
            .args(["-d", &second_at, "+%s.%N"])
            .output()
            .unwrap();
        let t: f64 = stdout(&out).trim().parse().unwrap();
        format!("{:.3}", t - 0.5)
    };
    for which in ["docker", "berth"] {
        let out = expect_success(cli(&d, which, &["logs", "--since", &second_at, "lg"]));
        assert_eq!(out, "second\n", "{which}");
        let out = cli(&d, which, &["logs", "--until", &before_second, "lg"]);
        assert_eq!(stdout(&out), "first\n", "{which}");
    }
    let resp = d
        .request("GET", "/v1.41/containers/lg/logs?stdout=1&since=abc", None)
        .unwrap();
    assert_eq!(resp.status, 400, "{}", resp.text());
    let resp = d
        .request("GET", "/v1.41/containers/lg/logs?stdout=1&tail=-1", None)
        .unwrap();
    assert_eq!(resp.status, 200);

    // -f keeps the stream open and ends when the container stops.
    for which in ["docker", "berth"] {
        let mut cmd = if which == "docker" {
            d.docker_cmd(&["logs", "-f", "lg"])
        } else {
            d.berth_cmd(&["logs", "-f", "lg"])
        };
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{which}: -f returned early"
        );
        if which == "berth" {
            expect_success(d.docker(&["stop", "-t", "1", "lg"]));
        }
        if which == "docker" {
            expect_success(d.docker(&["restart", "-t", "1", "lg"]));
        }
        let out = wait_with_timeout(child, Duration::from_secs(10)).expect("logs -f ended");
        assert!(stdout(&out).contains("first"), "{which}");
    }
}

fn wait_with_timeout(mut child: std::process::Child, t: Duration) -> Option<std::process::Output> {
    let deadline = std::time::Instant::now() + t;
    while std::time::Instant::now() < deadline {
        if child.try_wait().ok()?.is_some() {
            return child.wait_with_output().ok();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

fn log_bytes_on_disk(d: &Daemon, id: &str) -> (u64, usize) {
    let dir = d.data_root.join("containers").join(id);
    let mut total = 0;
    let mut files = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().contains("-json.log") {
            total += e.metadata().unwrap().len();
            files += 1;
        }
    }
    (total, files)
}

#[test]
fn fifty_megabytes_stay_bounded_and_readable() {
    require_root!();
    let d = Daemon::with_busybox();
    let id = expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "big",
        "--log-opt",
        "max-size=1m",
        "--log-opt",
        "max-file=3",
        "busybox",
        "sh",
        "-c",
        "yes 0123456789012345678901234567890123456789012345678 | head -c 52428800; echo last-line",
    ]))
    .trim()
    .to_string();
    let code = expect_success(d.docker(&["wait", "big"]));
    assert_eq!(code.trim(), "0");
    let (bytes, files) = log_bytes_on_disk(&d, &id);
    assert!(files <= 3, "{files} log files");
    assert!(bytes <= 3 * 1024 * 1024, "{bytes} bytes of logs on disk");
    for which in ["docker", "berth"] {
        let out = expect_success(cli(&d, which, &["logs", "--tail", "1", "big"]));
        assert_eq!(out, "last-line\n", "{which}");
    }
    // The whole retained log reads back across the rotated files, in order.
    let all = expect_success(d.docker(&["logs", "big"]));
    assert!(all.len() > 512 * 1024, "{} bytes read back", all.len());
    assert!(all.ends_with("last-line\n"));
    let opts =
        expect_success(d.docker(&["inspect", "-f", "{{json .HostConfig.LogConfig}}", "big"]));
    assert!(opts.contains("\"max-size\":\"1m\""), "{opts}");
}

#[test]
fn follow_survives_rotation() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run", "-d", "--name", "rot", "--log-opt", "max-size=20k", "--log-opt", "max-file=50",
        "busybox", "sh", "-c",
        "sleep 1; i=1; while [ $i -le 3000 ]; do echo line-$i; i=$((i+1)); if [ $((i % 300)) = 0 ]; then sleep 0.1; fi; done",
    ]));
    let follower = d
        .docker_cmd(&["logs", "-f", "rot"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_with_timeout(follower, Duration::from_secs(20)).expect("logs -f ended");
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let want: Vec<String> = (1..=3000).map(|i| format!("line-{i}")).collect();
    let missing: Vec<&String> = want.iter().filter(|w| !lines.contains(w)).collect();
    assert_eq!(
        lines.len(),
        want.len(),
        "followed {} lines; missing {:?}…{:?}; first {:?}",
        lines.len(),
        missing.first(),
        missing.last(),
        lines.first()
    );
    assert!(lines == want, "lines out of order or missing");
    let id = expect_success(d.docker(&["inspect", "-f", "{{.Id}}", "rot"]))
        .trim()
        .to_string();
    assert!(log_bytes_on_disk(&d, &id).1 > 1, "the log rotated");
}

#[test]
fn log_driver_none_and_bad_options() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "--name",
        "quiet",
        "--log-driver",
        "none",
        "busybox",
        "echo",
        "hi",
    ]));
    for which in ["docker", "berth"] {
        let out = cli(&d, which, &["logs", "quiet"]);
        assert_ne!(out.status.code(), Some(0), "{which}");
        assert!(
            stderr(&out).contains("configured logging driver does not support reading"),
            "{which}: {}",
            stderr(&out)
        );
    }
    let out = d.docker(&["run", "--log-opt", "bogus=1", "busybox", "true"]);
    assert!(
        stderr(&out).contains("unknown log opt 'bogus' for json-file log driver"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["run", "--log-driver", "syslogz", "busybox", "true"]);
    assert_ne!(out.status.code(), Some(0));
}
