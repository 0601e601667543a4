//! docker-py (the Docker SDK for Python), unchanged, against berthd: each test starts a daemon
//! and runs one scenario of `tests/docker_py/scenarios.py` with every docker-py on the machine
//! (Debian's python3-docker 5.0.3 under /usr/bin/python3, and the `python3` on PATH, 7.1.0 here).
//! A scenario leaves the daemon as it found it, so the second interpreter starts clean.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use test_support::{output_within, require_root, stderr, stdout, Daemon};

/// How long one scenario may take with one interpreter.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(60);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docker_py/scenarios.py")
}

/// A Python interpreter that can import docker: (command, "docker <version> on <executable>").
struct Interpreter {
    command: &'static str,
    label: String,
}

/// The interpreters to run, one per distinct (executable, docker-py version); each missing one
/// is reported on stderr, since CI may lack the pyenv interpreter.
fn interpreters() -> Vec<Interpreter> {
    let mut found: Vec<Interpreter> = Vec::new();
    for command in ["/usr/bin/python3", "python3"] {
        let probe = Command::new(command)
            .args([
                "-c",
                "import docker, os, sys; print(docker.__version__, os.path.realpath(sys.executable))",
            ])
            .output();
        match probe {
            Ok(out) if out.status.success() => {
                let label = stdout(&out).trim().to_string();
                if found.iter().all(|i| i.label != label) {
                    found.push(Interpreter { command, label });
                }
            }
            Ok(out) => eprintln!(
                "skipping {command}: cannot import docker: {}",
                stderr(&out).trim()
            ),
            Err(e) => eprintln!("skipping {command}: {e}"),
        }
    }
    found
}

/// Runs `scenario` with every interpreter against a fresh daemon with busybox.
fn run_scenario(scenario: &str) {
    require_root!();
    let interpreters = interpreters();
    if interpreters.is_empty() {
        eprintln!("skipped: no python3 with docker-py (Debian: python3-docker)");
        return;
    }
    let d = Daemon::with_busybox();
    for py in &interpreters {
        let mut cmd = Command::new(py.command);
        cmd.arg(script())
            .arg(scenario)
            .env("DOCKER_HOST", d.host())
            .env("DOCKER_CONFIG", d.scratch().join("docker-config"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("BERTH_TEST_SUBNET", d.net.test_subnet(0))
            .env_remove("DOCKER_API_VERSION")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("DOCKER_CONTEXT");
        let out = output_within(cmd, SCENARIO_TIMEOUT);
        assert_eq!(
            out.status.code(),
            Some(0),
            "docker-py scenario {scenario} failed with {}\nstdout: {}\nstderr: {}",
            py.label,
            stdout(&out),
            stderr(&out)
        );
        eprintln!("{}", stdout(&out).trim());
    }
}

#[test]
fn system_version_ping_info_df() {
    run_scenario("system");
}

#[test]
fn run_foreground_detached_attach_and_start_errors() {
    run_scenario("run");
}

#[test]
fn exec_run_variants_top() {
    run_scenario("exec");
}

#[test]
fn container_lifecycle_filters_stats_and_not_found() {
    run_scenario("lifecycle");
}

#[test]
fn images_tag_remove_commit_save_load() {
    run_scenario("images");
}

#[test]
fn volumes_and_persistence_across_containers() {
    run_scenario("volumes");
}

#[test]
fn events_since_until_and_live() {
    run_scenario("events");
}

#[test]
fn host_config_limits_and_update() {
    run_scenario("limits");
}

#[test]
fn put_and_get_archive() {
    run_scenario("archive");
}

#[test]
fn networks_create_connect_ports_dns_prune() {
    run_scenario("networks");
}

#[test]
fn build_path_fileobj_custom_context_errors_prune() {
    run_scenario("build");
}

#[test]
fn network_low_level_api_modes_and_errors() {
    run_scenario("network_api");
}

#[test]
fn build_dockerfile_path_ignore_cache_quiet_args_limits() {
    run_scenario("build_options");
}
