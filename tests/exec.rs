//! `docker exec` / `berth exec` (issue 3): exit codes, -d visible in top, -e/-w/-u, errors, and
//! exec records (`/exec/{id}/json`, `ExecIDs`, events).

use std::time::Duration;

use test_support::{eventually, expect_success, require_root, stderr, stdout, Daemon};

#[test]
fn exec_exit_codes_env_cwd_user_and_detach() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "ex",
        "-e",
        "FROM_RUN=1",
        "busybox",
        "sleep",
        "1000",
    ]));
    for cli in ["docker", "berth"] {
        let run = |args: &[&str]| {
            if cli == "docker" {
                d.docker(args)
            } else {
                d.berth(args)
            }
        };
        assert_eq!(
            expect_success(run(&["exec", "ex", "echo", "hello"])),
            "hello\n",
            "{cli}"
        );
        let out = run(&["exec", "ex", "sh", "-c", "exit 4"]);
        assert_eq!(out.status.code(), Some(4), "{cli}: {}", stderr(&out));
        let out = run(&["exec", "ex", "sh", "-c", "echo err >&2"]);
        assert_eq!(stderr(&out), "err\n", "{cli}");
        let env = expect_success(run(&[
            "exec",
            "-e",
            "X=y",
            "-w",
            "/tmp",
            "ex",
            "sh",
            "-c",
            "echo $X $FROM_RUN $(pwd)",
        ]));
        assert_eq!(env.trim(), "y 1 /tmp", "{cli}");
        assert_eq!(
            expect_success(run(&["exec", "-u", "nobody", "ex", "id", "-u"])).trim(),
            "65534",
            "{cli}"
        );
        let out = run(&["exec", "ex", "nope-not-here"]);
        assert_eq!(out.status.code(), Some(127), "{cli}: {}", stderr(&out));
        // dockerd writes the start error into the (stdout) stream.
        let said = stdout(&out) + &stderr(&out);
        assert!(said.contains("executable file not found"), "{cli}: {said}");
        let mark = format!("sleep 77{}", if cli == "docker" { 1 } else { 2 });
        expect_success(run(&["exec", "-d", "ex", "sh", "-c", &mark]));
        assert!(
            eventually(Duration::from_secs(3), || expect_success(
                d.docker(&["top", "ex"])
            )
            .contains(&mark)),
            "{cli}: exec -d process not in top"
        );
    }
    // --privileged gets every capability berthd has; a plain exec Docker's default set.
    let caps = |extra: &[&str]| {
        let mut args = vec!["exec"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["ex", "sh", "-c", "grep CapEff /proc/self/status"]);
        expect_success(d.docker(&args))
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let host_bounding = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:").map(|v| v.trim().to_string()))
        .unwrap();
    assert_eq!(caps(&["--privileged"]), host_bounding);
    assert_eq!(caps(&[]), "00000000a80425fb");

    // stdin reaches the exec with -i.
    let mut child = d
        .docker_cmd(&["exec", "-i", "ex", "cat"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"piped\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "piped\n");
}

#[test]
fn exec_errors_and_records() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["create", "--name", "stopped", "busybox", "true"]));
    let out = d.docker(&["exec", "stopped", "true"]);
    assert!(stderr(&out).contains("is not running"), "{}", stderr(&out));
    let out = d.docker(&["exec", "missing", "true"]);
    assert!(
        stderr(&out).contains("No such container: missing"),
        "{}",
        stderr(&out)
    );

    expect_success(d.docker(&["run", "-d", "--name", "rec", "busybox", "sleep", "1000"]));
    let resp = d
        .request(
            "POST",
            "/v1.41/containers/rec/exec",
            Some((
                "application/json",
                br#"{"Cmd":["sh","-c","exit 6"],"AttachStdout":true}"#,
            )),
        )
        .unwrap();
    assert_eq!(resp.status, 201, "{}", resp.text());
    let id = serde_json::from_slice::<serde_json::Value>(&resp.body).unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let ids = expect_success(d.docker(&["inspect", "-f", "{{json .ExecIDs}}", "rec"]));
    assert!(ids.contains(&id), "{ids}");
    let resp = d
        .request(
            "POST",
            &format!("/v1.41/exec/{id}/start"),
            Some(("application/json", br#"{"Detach":true}"#)),
        )
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(eventually(Duration::from_secs(3), || {
        let r = d
            .request("GET", &format!("/v1.41/exec/{id}/json"), None)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["Running"] == false && v["ExitCode"] == 6
    }));
    let r = d
        .request("GET", &format!("/v1.41/exec/{id}/json"), None)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["ProcessConfig"]["entrypoint"], "sh");
    assert_eq!(v["ProcessConfig"]["arguments"][1], "exit 6");
    assert!(v["ContainerID"].as_str().unwrap().len() == 64);
    let r = d.request("GET", "/v1.41/exec/nope/json", None).unwrap();
    assert_eq!(r.status, 404);
    let ev = d.past_events(&["container=rec"], "{{.Action}}");
    for action in [
        "exec_create: sh -c exit 6",
        "exec_start: sh -c exit 6",
        "exec_die",
    ] {
        assert!(ev.contains(action), "{ev}");
    }
}
