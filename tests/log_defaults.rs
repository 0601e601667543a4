//! daemon.json `log-driver` / `log-opts` (issue 3): containers that name no log driver get the
//! daemon's defaults (and their rotation), while a container's own settings win.

use test_support::{expect_success, require_root, Daemon};

/// Sizes of this container's json-file log files on disk.
fn log_file_sizes(d: &Daemon, id: &str) -> Vec<u64> {
    let dir = d.data_root.join("containers").join(id);
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("-json.log"))
        .map(|e| e.metadata().unwrap().len())
        .collect()
}

/// A daemon.json removed when the test ends, pass or fail.
struct ConfigFile(std::path::PathBuf);

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn daemon_json_log_opts_rotate_containers_without_their_own() {
    require_root!();
    let config = ConfigFile(
        std::env::temp_dir().join(format!("berth-log-defaults-{}.json", std::process::id())),
    );
    let config = &config.0;
    std::fs::write(
        config,
        r#"{"log-driver":"json-file","log-opts":{"max-size":"1k","max-file":"2"}}"#,
    )
    .unwrap();
    let d = Daemon::start_with_args(&["--config-file", config.to_str().unwrap()]);
    d.import_busybox();

    // 100 KB of output through a 1 KiB × 2 log.
    let id = expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "chatty",
        "busybox",
        "sh",
        "-c",
        "yes 0123456789012345678901234567890123456789 | head -c 102400; echo; echo last-line",
    ]))
    .trim()
    .to_string();
    assert_eq!(expect_success(d.docker(&["wait", "chatty"])).trim(), "0");
    let sizes = log_file_sizes(&d, &id);
    assert!(!sizes.is_empty() && sizes.len() <= 2, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 1024), "{sizes:?}");
    assert_eq!(
        expect_success(d.docker(&["logs", "--tail", "1", "chatty"])),
        "last-line\n"
    );
    let lc =
        expect_success(d.docker(&["inspect", "-f", "{{json .HostConfig.LogConfig}}", "chatty"]));
    assert!(lc.contains("\"Type\":\"json-file\""), "{lc}");
    assert!(lc.contains("\"max-size\":\"1k\""), "{lc}");

    // A container's own option wins over the daemon's for that key; the rest still apply.
    let id = expect_success(d.docker(&[
        "run",
        "-d",
        "--log-opt",
        "max-size=4k",
        "busybox",
        "sh",
        "-c",
        "yes 0123456789012345678901234567890123456789 | head -c 102400",
    ]))
    .trim()
    .to_string();
    assert_eq!(expect_success(d.docker(&["wait", &id])).trim(), "0");
    let sizes = log_file_sizes(&d, &id);
    assert!(sizes.len() <= 2, "{sizes:?}");
    assert!(sizes.iter().any(|s| *s > 1024), "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 4096), "{sizes:?}");

    // An explicit driver is the container's own choice.
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
    let lc =
        expect_success(d.docker(&["inspect", "-f", "{{json .HostConfig.LogConfig}}", "quiet"]));
    assert!(lc.contains("\"Type\":\"none\""), "{lc}");
}

#[test]
fn log_driver_none_flag_and_bad_defaults() {
    require_root!();
    let d = Daemon::start_with_args(&[
        "--config-file",
        "/nonexistent/daemon.json",
        "--log-driver",
        "none",
    ]);
    d.import_busybox();
    expect_success(d.docker(&["run", "--name", "nolog", "busybox", "echo", "hi"]));
    let lc =
        expect_success(d.docker(&["inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "nolog"]));
    assert_eq!(lc.trim(), "none");
    assert!(!d.docker(&["logs", "nolog"]).status.success());

    // A default no container could use keeps berthd from starting.
    let bad = Daemon::try_start_with_args(&["--log-driver", "syslog"]);
    assert!(bad.is_err(), "berthd started with --log-driver syslog");
}
