//! `berth build` against berthd, `FROM` the busybox fixture: the context it tars (`.dockerignore`,
//! a Dockerfile outside the context, a Dockerfile on stdin), its flags and its output and exit
//! codes, which follow the docker CLI's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use test_support::{expect_failure, expect_success, output_within, require_root, stderr, Daemon};

const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

fn berth_build(d: &Daemon, args: &[&str]) -> Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    output_within(d.berth_cmd(&all), BUILD_TIMEOUT)
}

/// `berth build <args>` with `input` on stdin.
fn berth_build_stdin(d: &Daemon, args: &[&str], input: &[u8]) -> Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let mut cmd = d.berth_cmd(&all);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    // `wait_with_output` has no deadline; the build is bounded by the daemon's own steps.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(BUILD_TIMEOUT)
        .expect("berth build hung")
        .unwrap()
}

fn context(d: &Daemon, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = d.scratch().join(name);
    for (file, data) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    dir
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn berth_build_sends_the_context_and_prints_dockers_text() {
    require_root!();
    let d = Daemon::with_busybox();
    let dockerfile = b"FROM busybox\nARG WHO=nobody\nCOPY . /ctx/\nRUN echo \"hi $WHO\" > /hi\nCMD [\"cat\", \"/hi\"]\n";
    let dir = context(
        &d,
        "ctx",
        &[
            ("Dockerfile", dockerfile),
            ("kept.txt", b"kept\n"),
            ("logs/debug.log", b"noise\n"),
            (".dockerignore", b"logs\nDockerfile\n"),
        ],
    );
    let out = berth_build(
        &d,
        &[
            "-t",
            "bb:1",
            "--build-arg",
            "WHO=berth",
            "--label",
            "k=v",
            path_str(&dir),
        ],
    );
    let text = expect_success(&out);
    assert!(
        text.starts_with("Sending build context to Docker daemon  "),
        "{text}"
    );
    assert!(text.contains("Step 1/"), "{text}");
    assert!(text.contains(" ---> Running in "), "{text}");
    assert!(text.contains("Successfully tagged bb:1"), "{text}");
    assert_eq!(
        expect_success(d.berth(&["run", "--rm", "bb:1"])),
        "hi berth\n"
    );
    let listed = expect_success(d.berth(&["run", "--rm", "bb:1", "ls", "-a", "/ctx"]));
    assert!(listed.contains("kept.txt"), "{listed}");
    // An ignored Dockerfile is sent (the daemon reads it) but is not part of the context a COPY
    // sees, as with dockerd; .dockerignore itself is not ignored here.
    assert!(!listed.contains("Dockerfile"), "{listed}");
    assert!(listed.contains(".dockerignore"), "{listed}");
    assert!(!listed.contains("logs"), "{listed}");
    let labels =
        expect_success(d.berth(&["image", "inspect", "-f", "{{json .Config.Labels}}", "bb:1"]));
    assert_eq!(labels.trim(), r#"{"k":"v"}"#);
    assert_eq!(expect_success(d.berth(&["ps", "-a", "-q"])), "");
}

#[test]
fn berth_build_quiet_file_outside_context_and_stdin() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(&d, "ctx", &[("data.txt", b"data\n")]);
    let outside = d.scratch().join("elsewhere.Dockerfile");
    std::fs::write(
        &outside,
        "FROM busybox\nCOPY data.txt /data.txt\nCMD [\"cat\", \"/data.txt\"]\n",
    )
    .unwrap();
    let out = berth_build(
        &d,
        &[
            "-q",
            "-f",
            path_str(&outside),
            "-t",
            "outside",
            path_str(&dir),
        ],
    );
    let id = expect_success(&out);
    assert!(id.starts_with("sha256:") && id.lines().count() == 1, "{id}");
    assert_eq!(
        expect_success(d.berth(&["image", "inspect", "-f", "{{.Id}}", "outside"])),
        id
    );
    assert_eq!(
        expect_success(d.berth(&["run", "--rm", "outside"])),
        "data\n"
    );

    // `-`: a Dockerfile on stdin and no context.
    let out = berth_build_stdin(&d, &["-t", "piped", "-"], b"FROM busybox\nENV PIPED=yes\n");
    expect_success(&out);
    let env = expect_success(d.berth(&["image", "inspect", "-f", "{{json .Config.Env}}", "piped"]));
    assert!(env.contains("PIPED=yes"), "{env}");
}

#[test]
fn berth_build_failures_match_docker() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(&d, "fail", &[("Dockerfile", b"FROM busybox\nRUN exit 7\n")]);
    let out = berth_build(&d, &["-t", "bfail", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("The command '/bin/sh -c exit 7' returned a non-zero code: 7"),
        "{}",
        stderr(&out)
    );
    assert_eq!(expect_success(d.berth(&["ps", "-a", "-q"])), "");
    let out = berth_build(&d, &["-q", "-t", "bfail", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Step 2/2 : RUN exit 7"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let broken = context(
        &d,
        "broken",
        &[("Dockerfile", b"FROM busybox\nFROBNICATE now\n")],
    );
    let err = expect_failure(berth_build(&d, &[path_str(&broken)]));
    assert!(err.contains("unknown instruction: FROBNICATE"), "{err}");

    let missing = context(&d, "missing", &[("file", b"x")]);
    let err = expect_failure(berth_build(&d, &[path_str(&missing)]));
    assert!(err.contains("Dockerfile"), "{err}");
}
