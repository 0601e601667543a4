//! Healthchecks with the docker CLI: `--health-*` flags, the starting → unhealthy → healthy
//! transitions with their log, events and `ps` status and filter, a probe killed at its timeout,
//! and an image `HEALTHCHECK` from `commit --change` (and `--no-healthcheck` over it).

use std::time::Duration;

use test_support::{eventually, expect_success, require_root, stderr, stdout, Daemon};

fn inspect(d: &Daemon, format: &str, name: &str) -> String {
    stdout(&d.docker(&["inspect", "-f", format, name]))
        .trim()
        .to_string()
}

fn health(d: &Daemon, name: &str) -> String {
    inspect(d, "{{.State.Health.Status}}", name)
}

fn ps_status(d: &Daemon, name: &str) -> String {
    stdout(&d.docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("name={name}"),
        "--format",
        "{{.Status}}",
    ]))
    .trim()
    .to_string()
}

fn names_with_health(d: &Daemon, status: &str) -> Vec<String> {
    stdout(&d.docker(&[
        "ps",
        "--filter",
        &format!("health={status}"),
        "--format",
        "{{.Names}}",
    ]))
    .lines()
    .map(str::to_string)
    .collect()
}

#[test]
fn starting_unhealthy_then_healthy() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "probed",
        "--health-cmd",
        "test -f /tmp/ok",
        "--health-interval",
        "200ms",
        "--health-retries",
        "2",
        // Failures inside the start period do not count, so the status stays `starting` for the
        // next three CLI calls even on a loaded machine.
        "--health-start-period",
        "2s",
        "busybox",
        "sleep",
        "1000",
    ]));
    assert_eq!(health(&d, "probed"), "starting");
    assert!(
        ps_status(&d, "probed").ends_with("(health: starting)"),
        "{}",
        ps_status(&d, "probed")
    );
    assert_eq!(names_with_health(&d, "starting"), vec!["probed"]);

    assert!(
        eventually(Duration::from_secs(10), || health(&d, "probed")
            == "unhealthy"),
        "{}",
        inspect(&d, "{{json .State.Health}}", "probed")
    );
    let log: serde_json::Value =
        serde_json::from_str(&inspect(&d, "{{json .State.Health}}", "probed")).unwrap();
    assert!(log["FailingStreak"].as_i64().unwrap() >= 2, "{log}");
    let entries = log["Log"].as_array().unwrap();
    assert!(!entries.is_empty() && entries.len() <= 5, "{log}");
    assert!(entries.iter().all(|e| e["ExitCode"] == 1), "{log}");
    assert!(entries
        .iter()
        .all(|e| e["Start"].as_str().unwrap().ends_with('Z')));
    assert!(ps_status(&d, "probed").ends_with("(unhealthy)"));
    assert_eq!(names_with_health(&d, "unhealthy"), vec!["probed"]);

    expect_success(d.docker(&["exec", "probed", "touch", "/tmp/ok"]));
    assert!(
        eventually(Duration::from_secs(5), || health(&d, "probed") == "healthy"),
        "{}",
        inspect(&d, "{{json .State.Health}}", "probed")
    );
    assert_eq!(
        inspect(&d, "{{.State.Health.FailingStreak}}", "probed"),
        "0"
    );
    let status = ps_status(&d, "probed");
    assert!(
        status.starts_with("Up ") && status.ends_with(" (healthy)"),
        "{status}"
    );
    assert_eq!(names_with_health(&d, "healthy"), vec!["probed"]);
    assert!(names_with_health(&d, "unhealthy").is_empty());
    assert!(names_with_health(&d, "none").is_empty());

    let events = d.past_events(&["container=probed"], "{{.Action}}");
    let unhealthy = events.find("health_status: unhealthy");
    let healthy = events.find("health_status: healthy");
    assert!(
        unhealthy.is_some() && healthy.is_some() && unhealthy < healthy,
        "{events}"
    );
    // Probes are execs, with dockerd's exec events.
    assert!(
        events.contains("exec_create: /bin/sh -c test -f /tmp/ok"),
        "{events}"
    );
    assert!(events.contains("exec_die"), "{events}");
    // Probe execs are not kept once they finished.
    assert_eq!(inspect(&d, "{{.ExecIDs}}", "probed"), "[]");

    let bad = d.docker(&["ps", "--filter", "health=fine"]);
    assert!(
        stderr(&bad).contains("Unrecognised filter value for health: fine"),
        "{}",
        stderr(&bad)
    );

    // Pausing stops the probes and, as dockerd, reports the container unhealthy meanwhile;
    // unpausing probes again.
    expect_success(d.docker(&["pause", "probed"]));
    assert_eq!(health(&d, "probed"), "unhealthy");
    let probes = inspect(&d, "{{json .State.Health.Log}}", "probed");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(inspect(&d, "{{json .State.Health.Log}}", "probed"), probes);
    expect_success(d.docker(&["unpause", "probed"]));
    assert!(eventually(Duration::from_secs(5), || health(&d, "probed") == "healthy"));

    // Stopping ends the probes (the status reads unhealthy, as dockerd's).
    expect_success(d.docker(&["stop", "-t", "0", "probed"]));
    assert_eq!(health(&d, "probed"), "unhealthy");
    let last = inspect(&d, "{{json .State.Health.Log}}", "probed");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(inspect(&d, "{{json .State.Health.Log}}", "probed"), last);
    assert!(ps_status(&d, "probed").starts_with("Exited"));
    // A new start begins with `starting` again.
    expect_success(d.docker(&["start", "probed"]));
    assert_eq!(health(&d, "probed"), "starting");
    expect_success(d.docker(&["rm", "-f", "probed"]));
}

#[test]
fn probe_past_its_timeout_is_killed() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "slow",
        "--health-cmd",
        "sleep 5",
        "--health-timeout",
        "200ms",
        "--health-interval",
        "300ms",
        "--health-retries",
        "1",
        "busybox",
        "sleep",
        "1000",
    ]));
    assert!(
        eventually(Duration::from_secs(6), || health(&d, "slow") == "unhealthy"),
        "{}",
        inspect(&d, "{{json .State.Health}}", "slow")
    );
    let h: serde_json::Value =
        serde_json::from_str(&inspect(&d, "{{json .State.Health}}", "slow")).unwrap();
    let first = &h["Log"][0];
    assert_eq!(first["ExitCode"], -1, "{h}");
    assert_eq!(
        first["Output"], "Health check exceeded timeout (200ms)",
        "{h}"
    );
    // The killed probes do not pile up inside the container.
    let top = stdout(&d.docker(&["top", "slow"]));
    let probes = top.lines().filter(|l| l.contains("sleep 5")).count();
    assert!(probes <= 1, "{top}");
    expect_success(d.docker(&["rm", "-f", "slow"]));
}

#[test]
fn image_healthcheck_from_commit_change() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["create", "--name", "base", "busybox", "true"]));
    expect_success(d.docker(&[
        "commit",
        "--change",
        "HEALTHCHECK --interval=1s CMD true",
        "base",
        "checked:1",
    ]));
    assert_eq!(
        stdout(&d.docker(&[
            "image",
            "inspect",
            "-f",
            "{{json .Config.Healthcheck}}",
            "checked:1"
        ]))
        .trim(),
        r#"{"Test":["CMD-SHELL","true"],"Interval":1000000000}"#
    );
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "fromimg",
        "checked:1",
        "sleep",
        "1000",
    ]));
    assert_eq!(
        inspect(&d, "{{json .Config.Healthcheck}}", "fromimg"),
        r#"{"Test":["CMD-SHELL","true"],"Interval":1000000000}"#
    );
    assert!(
        eventually(Duration::from_secs(6), || health(&d, "fromimg")
            == "healthy"),
        "{}",
        inspect(&d, "{{json .State}}", "fromimg")
    );
    // `--no-healthcheck` turns the image's off: no State.Health, a plain `Up` status.
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "unchecked",
        "--no-healthcheck",
        "checked:1",
        "sleep",
        "1000",
    ]));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(inspect(&d, "{{json .State.Health}}", "unchecked"), "null");
    let status = ps_status(&d, "unchecked");
    assert!(
        status.starts_with("Up ") && !status.contains('('),
        "{status}"
    );
    assert_eq!(names_with_health(&d, "none"), vec!["unchecked"]);
    expect_success(d.docker(&["rm", "-f", "fromimg", "unchecked", "base"]));
}

#[test]
fn probing_resumes_after_a_daemon_restart() {
    require_root!();
    let mut d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "survivor",
        "--health-cmd",
        "true",
        "--health-interval",
        "200ms",
        "busybox",
        "sleep",
        "1000",
    ]));
    assert!(eventually(Duration::from_secs(5), || health(
        &d, "survivor"
    ) == "healthy"));
    d.kill9();
    d.restart();
    let log = inspect(&d, "{{json .State.Health.Log}}", "survivor");
    assert!(
        eventually(Duration::from_secs(5), || health(&d, "survivor")
            == "healthy"
            && inspect(&d, "{{json .State.Health.Log}}", "survivor") != log),
        "{}",
        inspect(&d, "{{json .State.Health}}", "survivor")
    );
    expect_success(d.docker(&["rm", "-f", "survivor"]));
}

#[test]
fn berth_cli_health_flags_and_ps() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.berth(&[
        "run",
        "-d",
        "--name",
        "viaberth",
        "--health-cmd",
        "exit 0",
        "--health-interval",
        "200ms",
        "busybox",
        "sleep",
        "1000",
    ]));
    assert_eq!(
        inspect(&d, "{{json .Config.Healthcheck}}", "viaberth"),
        r#"{"Test":["CMD-SHELL","exit 0"],"Interval":200000000}"#
    );
    assert!(eventually(Duration::from_secs(5), || {
        stdout(&d.berth(&["ps", "--filter", "health=healthy"]))
            .lines()
            .any(|l| l.contains("(healthy)") && l.trim_end().ends_with("viaberth"))
    }));
    let status = stdout(&d.berth(&["inspect", "-f", "{{.State.Health.Status}}", "viaberth"]));
    assert_eq!(status.trim(), "healthy");
    expect_success(d.berth(&["rm", "-f", "viaberth"]));
}

#[test]
fn compose_waits_for_service_healthy() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = d.scratch().join("compose");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("docker-compose.yml"),
        r#"version: "2.4"
services:
  db:
    image: busybox
    command: sh -c "sleep 1; touch /tmp/ready; sleep 1000"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 10
    restart: unless-stopped
    network_mode: none
  app:
    image: busybox
    command: sleep 1000
    network_mode: none
    depends_on:
      db:
        condition: service_healthy
"#,
    )
    .unwrap();
    let mut compose = std::process::Command::new("docker-compose");
    compose
        .args(["-p", "hc", "up", "-d"])
        .current_dir(&dir)
        .env("DOCKER_HOST", d.host())
        .env("DOCKER_CONFIG", d.scratch().join("docker-config"))
        .stdin(std::process::Stdio::null());
    let out = test_support::output_within(compose, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(health(&d, "hc_db_1"), "healthy");
    assert_eq!(
        inspect(&d, "{{.HostConfig.RestartPolicy.Name}}", "hc_db_1"),
        "unless-stopped"
    );
    // app was created only once db was healthy.
    let db_healthy_at = inspect(&d, "{{(index .State.Health.Log 0).End}}", "hc_db_1");
    let app_created = inspect(&d, "{{.Created}}", "hc_app_1");
    let probes: serde_json::Value =
        serde_json::from_str(&inspect(&d, "{{json .State.Health.Log}}", "hc_db_1")).unwrap();
    let first_healthy = probes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["ExitCode"] == 0)
        .map(|p| p["End"].as_str().unwrap().to_string())
        .unwrap_or(db_healthy_at);
    assert!(app_created > first_healthy, "{app_created} {first_healthy}");
    expect_success(d.docker(&["rm", "-f", "hc_app_1", "hc_db_1"]));
}
