//! Observing containers (issue 3): pause/unpause, stats, top, events, update, diff, export,
//! prune, resize errors, kill signal names, through the docker CLI and `berth`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use test_support::{eventually, expect_success, require_root, stderr, unix_now, Daemon};

/// Writes an increasing counter to /tmp/n every 50 ms.
const COUNTER: &str = "i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done";

fn read_counter_file(d: &Daemon, id: &str) -> u64 {
    // Read through the upper dir: works while the container is paused (no exec possible).
    let p = d.data_root.join("containers").join(id).join("upper/tmp/n");
    std::fs::read_to_string(p)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn pause_freezes_and_unpause_resumes() {
    require_root!();
    let d = Daemon::with_busybox();
    let id =
        expect_success(d.docker(&["run", "-d", "--name", "ctr", "busybox", "sh", "-c", COUNTER]))
            .trim()
            .to_string();
    assert!(eventually(Duration::from_secs(5), || read_counter_file(
        &d, &id
    ) > 2));
    expect_success(d.docker(&["pause", "ctr"]));
    let status = expect_success(d.docker(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Paused}}",
        "ctr",
    ]));
    assert_eq!(status.trim(), "paused true");
    let frozen = read_counter_file(&d, &id);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        read_counter_file(&d, &id),
        frozen,
        "counter advanced while paused"
    );

    // exec into a paused container is a 409 with dockerd's message.
    let out = d.docker(&["exec", "ctr", "true"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("is paused, unpause the container before exec"),
        "{}",
        stderr(&out)
    );
    assert!(expect_success(d.docker(&["ps"])).contains("(Paused)"));

    expect_success(d.berth(&["unpause", "ctr"]));
    assert!(eventually(Duration::from_secs(3), || read_counter_file(
        &d, &id
    ) > frozen));
    let out = d.docker(&["unpause", "ctr"]);
    assert!(
        stderr(&out).contains(&format!("Container {id} is not paused")),
        "{}",
        stderr(&out)
    );

    // stop of a paused container works.
    expect_success(d.berth(&["pause", "ctr"]));
    expect_success(d.docker(&["stop", "-t", "1", "ctr"]));
    let status = expect_success(d.docker(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Paused}}",
        "ctr",
    ]));
    assert_eq!(status.trim(), "exited false");
}

#[test]
fn stats_no_stream_shows_cpu_mem_pids() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "busy",
        "-m",
        "64m",
        "busybox",
        "sh",
        "-c",
        "while true; do :; done",
    ]));
    expect_success(d.docker(&["run", "-d", "--name", "idle", "busybox", "sleep", "1000"]));
    for cli in ["docker", "berth"] {
        let out = if cli == "docker" {
            d.docker(&["stats", "--no-stream"])
        } else {
            d.berth(&["stats", "--no-stream"])
        };
        let text = expect_success(out);
        let header = text.lines().next().unwrap_or_default();
        for col in ["CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"] {
            assert!(header.contains(col), "{cli}: {text}");
        }
        let busy = text
            .lines()
            .find(|l| l.contains("busy"))
            .unwrap_or_else(|| panic!("{cli}: {text}"));
        assert!(busy.contains("/ 64MiB"), "{cli}: {busy}");
        let cpu: f64 = busy
            .split_whitespace()
            .find(|f| f.ends_with('%'))
            .and_then(|f| f.trim_end_matches('%').parse().ok())
            .unwrap_or(0.0);
        assert!(cpu > 20.0, "{cli}: a spinning shell uses CPU: {busy}");
        let idle = text.lines().find(|l| l.contains("idle")).unwrap();
        assert!(idle.trim_end().ends_with(" 1"), "{cli}: one pid: {idle}");
    }
    // The raw document.
    let resp = d
        .request("GET", "/v1.41/containers/busy/stats?stream=0", None)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(v["name"], "/busy");
    assert!(v["precpu_stats"]["system_cpu_usage"].as_u64().unwrap_or(0) > 0);
    assert_eq!(v["memory_stats"]["limit"], 64 * 1024 * 1024);
    assert!(v["memory_stats"]["stats"].get("rss").is_some());
    expect_success(d.docker(&["rm", "-f", "busy", "idle"]));
}

#[test]
fn top_update_diff_export_prune() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "tt",
        "busybox",
        "sh",
        "-c",
        "echo hi > /new; rm /etc/motd 2>/dev/null; echo x >> /etc/passwd; sleep 1000",
    ]));
    let top = expect_success(d.docker(&["top", "tt"]));
    assert!(top.lines().next().unwrap().contains("PID"), "{top}");
    assert!(top.contains("sleep 1000"), "{top}");
    let top = expect_success(d.berth(&["top", "tt", "-o", "pid,comm"]));
    assert!(top.contains("COMMAND") && top.contains("sleep"), "{top}");

    // update: a memory limit lands in the cgroup and in HostConfig.
    expect_success(d.docker(&[
        "update",
        "-m",
        "32m",
        "--memory-swap",
        "64m",
        "--pids-limit",
        "50",
        "tt",
    ]));
    let id = expect_success(d.docker(&["inspect", "-f", "{{.Id}}", "tt"]))
        .trim()
        .to_string();
    let limit = std::fs::read_to_string(format!(
        "/sys/fs/cgroup/memory/{}/{id}/memory.limit_in_bytes",
        d.cgroup_parent.trim_start_matches('/')
    ))
    .unwrap();
    assert_eq!(limit.trim(), (32 * 1024 * 1024).to_string());
    let hc = expect_success(d.docker(&[
        "inspect",
        "-f",
        "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
        "tt",
    ]));
    assert_eq!(hc.trim(), format!("{} 50", 32 * 1024 * 1024));

    // diff: A for new files, C for changed ones and their parents.
    assert!(eventually(Duration::from_secs(3), || expect_success(
        d.docker(&["diff", "tt"])
    )
    .contains("A /new")));
    let diff = expect_success(d.docker(&["diff", "tt"]));
    assert!(
        diff.contains("C /etc/passwd") && diff.contains("C /etc"),
        "{diff}"
    );

    // export: the merged root as a tar.
    let tar = d.scratch().join("t.tar");
    expect_success(d.docker(&["export", "-o", tar.to_str().unwrap(), "tt"]));
    let list = expect_success(
        std::process::Command::new("tar")
            .arg("tf")
            .arg(&tar)
            .output()
            .unwrap(),
    );
    assert!(list.lines().any(|l| l == "new"), "{list}");
    assert!(list.lines().any(|l| l == "bin/busybox"), "{list}");
    // /proc is an empty directory in the image: nothing of the mounted procfs is exported.
    assert!(list.lines().any(|l| l == "proc/"), "{list}");
    assert!(
        !list.lines().any(|l| l.starts_with("proc/") && l != "proc/"),
        "{list}"
    );

    // prune removes stopped containers only.
    expect_success(d.docker(&["run", "--name", "done1", "busybox", "true"]));
    expect_success(d.docker(&[
        "run", "--name", "done2", "--label", "keep=1", "busybox", "true",
    ]));
    let out = expect_success(d.docker(&["container", "prune", "-f", "--filter", "label!=keep"]));
    assert!(out.contains("Deleted Containers:"), "{out}");
    let ps = expect_success(d.docker(&["ps", "-a", "--format", "{{.Names}}"]));
    assert!(
        ps.contains("tt") && ps.contains("done2") && !ps.contains("done1"),
        "{ps}"
    );
    expect_success(d.docker(&["rm", "-f", "tt", "done2"]));
}

#[test]
fn kill_signal_names_and_resize_errors() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "kk",
        "busybox",
        "sh",
        "-c",
        "trap 'echo got usr1' USR1; while true; do sleep 0.1; done",
    ]));
    expect_success(d.docker(&["kill", "-s", "USR1", "kk"]));
    assert!(eventually(Duration::from_secs(3), || expect_success(
        d.docker(&["logs", "kk"])
    )
    .contains("got usr1")));
    expect_success(d.docker(&["kill", "-s", "SIGUSR1", "kk"]));
    expect_success(d.docker(&["kill", "-s", "10", "kk"]));
    let out = d.docker(&["kill", "-s", "FOO", "kk"]);
    assert!(
        stderr(&out).contains("Invalid signal: FOO"),
        "{}",
        stderr(&out)
    );
    let resp = d
        .request("POST", "/v1.41/containers/kk/resize?h=10&w=20", None)
        .unwrap();
    assert_eq!(
        resp.status,
        500,
        "resize of a non-TTY container: {}",
        resp.text()
    );
    let resp = d
        .request("POST", "/v1.41/containers/kk/resize?h=x&w=20", None)
        .unwrap();
    assert_eq!(resp.status, 400, "{}", resp.text());
    expect_success(d.docker(&["rm", "-f", "kk"]));
}

/// `docker events --since/--until` replays a run's lifecycle in order; a live stream sees a new
/// container's create within 100 ms.
#[test]
fn events_history_and_live() {
    require_root!();
    let d = Daemon::with_busybox();
    let since = unix_now();
    let run = d.docker(&["run", "--name", "ev", "busybox", "sh", "-c", "exit 3"]);
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    expect_success(d.docker(&["rm", "ev"]));
    let until = unix_now() + 1.0;
    for cli in ["docker", "berth"] {
        let args = [
            "events",
            "--since",
            &format!("{since:.3}"),
            "--until",
            &format!("{until:.3}"),
            "--filter",
            "type=container",
            "--format",
            "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}",
        ];
        let text = if cli == "docker" {
            expect_success(d.docker(&args))
        } else {
            expect_success(d.berth(&args))
        };
        let actions: Vec<&str> = text
            .lines()
            .map(|l| l.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            actions,
            vec!["create", "attach", "start", "die", "destroy"],
            "{cli}: {text}"
        );
        assert!(text.contains("die ev 3"), "{cli}: {text}");
    }

    // stop: kill (15, then 9 after the timeout: sleep as PID 1 ignores SIGTERM), die, stop;
    // restart of the stopped container starts it and adds restart.
    expect_success(d.docker(&["run", "-d", "--name", "st", "busybox", "sleep", "1000"]));
    expect_success(d.docker(&["stop", "-t", "1", "st"]));
    expect_success(d.docker(&["restart", "-t", "0", "st"]));
    let until = unix_now() + 1.0;
    let text = expect_success(d.docker(&[
        "events",
        "--since",
        &format!("{since:.3}"),
        "--until",
        &format!("{until:.3}"),
        "--filter",
        "container=st",
        "--format",
        "{{.Action}}{{with .Actor.Attributes.signal}}={{.}}{{end}}",
    ]));
    let actions: Vec<&str> = text.lines().collect();
    assert_eq!(
        actions,
        vec!["create", "start", "kill=15", "kill=9", "die", "stop", "start", "restart"],
        "{text}"
    );

    // Live: start a reader, then create a container, time the arrival of its event.
    let mut child = d
        .docker_cmd(&[
            "events",
            "--filter",
            "event=create",
            "--format",
            "{{.Actor.Attributes.name}}",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    std::thread::sleep(Duration::from_millis(500));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Some(Ok(l)) = lines.next() {
            let _ = tx.send((l, Instant::now()));
        }
    });
    let resp = d
        .request(
            "POST",
            "/v1.41/containers/create?name=live",
            Some(("application/json", br#"{"Image":"busybox","Cmd":["true"]}"#)),
        )
        .unwrap();
    assert_eq!(resp.status, 201, "{}", resp.text());
    // Measured from the moment the container exists (create answered): the create itself
    // (fsyncs, shim start) is not event latency and varies with the machine's load.
    let created = Instant::now();
    let (name, at) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("live create event");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(name, "live");
    let latency = at.saturating_duration_since(created);
    assert!(
        latency < Duration::from_millis(100),
        "event after {latency:?}"
    );
}

/// `POST /containers/{id}/wait?condition=`: not-running answers at once for a created
/// container, next-exit waits for the coming exit, removed for the removal.
#[test]
fn wait_conditions() {
    require_root!();
    let d = std::sync::Arc::new(Daemon::with_busybox());
    expect_success(d.docker(&[
        "create",
        "--name",
        "wc",
        "busybox",
        "sh",
        "-c",
        "sleep 0.5; exit 9",
    ]));
    let t0 = Instant::now();
    let r = d
        .request(
            "POST",
            "/v1.41/containers/wc/wait?condition=not-running",
            None,
        )
        .unwrap();
    assert!(r.text().contains("\"StatusCode\":0"), "{}", r.text());
    assert!(t0.elapsed() < Duration::from_secs(1));
    let waiter = |cond: &'static str| {
        let d = d.clone();
        std::thread::spawn(move || {
            d.request(
                "POST",
                &format!("/v1.41/containers/wc/wait?condition={cond}"),
                None,
            )
            .unwrap()
            .text()
        })
    };
    let next = waiter("next-exit");
    let removed = waiter("removed");
    std::thread::sleep(Duration::from_millis(200));
    expect_success(d.docker(&["start", "wc"]));
    let text = next.join().unwrap();
    assert!(text.contains("\"StatusCode\":9"), "{text}");
    assert!(
        !removed.is_finished(),
        "removed answered before the removal"
    );
    expect_success(d.docker(&["rm", "wc"]));
    let text = removed.join().unwrap();
    assert!(text.contains("\"StatusCode\":9"), "{text}");
    let r = d
        .request("POST", "/v1.41/containers/wc/wait?condition=bogus", None)
        .unwrap();
    assert!(r.status == 400 || r.status == 404, "{}", r.status);
}

/// `stop -s`, `--stop-signal` and an image's STOPSIGNAL choose the signal `stop` sends.
#[test]
fn stop_signals() {
    require_root!();
    let d = Daemon::with_busybox();
    const TRAP: &str = "trap 'echo got-usr1; exit 3' USR1; while true; do sleep 0.1; done";
    expect_success(d.docker(&["run", "-d", "--name", "s1", "busybox", "sh", "-c", TRAP]));
    // The docker CLI drops `-s` at API 1.41 (the parameter is 1.42); berth sends it.
    expect_success(d.berth(&["stop", "-s", "USR1", "-t", "5", "s1"]));
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "s2",
        "--stop-signal",
        "SIGUSR1",
        "busybox",
        "sh",
        "-c",
        TRAP,
    ]));
    expect_success(d.berth(&["stop", "-t", "5", "s2"]));
    expect_success(d.docker(&["commit", "--change", "STOPSIGNAL USR1", "s2", "usr1img"]));
    expect_success(d.docker(&["run", "-d", "--name", "s3", "usr1img", "sh", "-c", TRAP]));
    expect_success(d.docker(&["stop", "-t", "5", "s3"]));
    for name in ["s1", "s2", "s3"] {
        let code = expect_success(d.docker(&["inspect", "-f", "{{.State.ExitCode}}", name]));
        assert_eq!(code.trim(), "3", "{name} stopped by USR1 (not SIGKILL)");
        assert!(
            expect_success(d.docker(&["logs", name])).contains("got-usr1"),
            "{name}"
        );
    }
}

/// `docker system df` through berthd: images, containers (one active), their sizes.
#[test]
fn system_df() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "df1",
        "busybox",
        "sh",
        "-c",
        "head -c 300000 /dev/zero > /big; sleep 1000",
    ]));
    expect_success(d.docker(&["create", "--name", "df2", "busybox", "true"]));
    for which in ["docker", "berth"] {
        let out = if which == "docker" {
            expect_success(d.docker(&["system", "df"]))
        } else {
            expect_success(d.berth(&["system", "df"]))
        };
        let images = out
            .lines()
            .find(|l| l.starts_with("Images"))
            .unwrap_or_else(|| panic!("{out}"));
        let containers = out
            .lines()
            .find(|l| l.starts_with("Containers"))
            .unwrap_or_else(|| panic!("{out}"));
        let cols: Vec<&str> = images.split_whitespace().collect();
        assert_eq!((cols[1], cols[2]), ("1", "1"), "{which}: {out}");
        let cols: Vec<&str> = containers.split_whitespace().collect();
        assert_eq!((cols[1], cols[2]), ("2", "1"), "{which}: {out}");
    }
    let r = d.request("GET", "/v1.41/system/df", None).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let df1 = v["Containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Names"][0] == "/df1")
        .unwrap()
        .clone();
    assert!(
        eventually(Duration::from_secs(3), || {
            let r = d.request("GET", "/v1.41/system/df", None).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            v["Containers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["Names"][0] == "/df1" && c["SizeRw"].as_i64().unwrap_or(0) >= 300000)
        }),
        "{df1}"
    );
    assert!(v["LayersSize"].as_i64().unwrap_or(0) > 500_000);
    expect_success(d.docker(&["rm", "-f", "df1", "df2"]));
}

/// A container killed by the OOM killer: State.OOMKilled and an `oom` event before `die`.
#[test]
fn oom_event() {
    require_root!();
    let d = Daemon::with_busybox();
    let since = unix_now();
    let out = d.docker(&[
        "run",
        "--name",
        "oomy",
        "-m",
        "8m",
        "--memory-swap",
        "8m",
        "busybox",
        "sh",
        "-c",
        "tail /dev/zero",
    ]);
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
    let oom = expect_success(d.docker(&["inspect", "-f", "{{.State.OOMKilled}}", "oomy"]));
    assert_eq!(oom.trim(), "true");
    let text = expect_success(d.docker(&[
        "events",
        "--since",
        &format!("{since:.3}"),
        "--until",
        &format!("{:.3}", unix_now() + 1.0),
        "--filter",
        "container=oomy",
        "--format",
        "{{.Action}}",
    ]));
    let actions: Vec<&str> = text.lines().collect();
    let oom_at = actions
        .iter()
        .position(|a| *a == "oom")
        .unwrap_or_else(|| panic!("{text}"));
    let die_at = actions.iter().position(|a| *a == "die").unwrap();
    assert!(oom_at < die_at, "{text}");
}
