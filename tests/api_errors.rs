//! Bad input gets Docker's status codes and messages (transcript 18), through the raw API and the CLIs.

use test_support::{require_root, stderr, Daemon};

#[test]
fn ping_and_version_headers() {
    require_root!();
    let d = Daemon::start();
    let head = d.request("HEAD", "/_ping", None).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Api-Version"), Some("1.41"));
    assert_eq!(head.header("Ostype"), Some("linux"));
    assert!(head.header("Docker-Experimental").is_some());
    let get = d.request("GET", "/_ping", None).unwrap();
    assert_eq!(get.text(), "OK");
    let version = d.request("GET", "/version", None).unwrap();
    assert_eq!(version.json()["ApiVersion"], "1.41");
    let too_new = d.request("GET", "/v1.99/version", None).unwrap();
    assert_eq!(too_new.status, 400);
    assert!(too_new.json()["message"]
        .as_str()
        .unwrap()
        .contains("client version 1.99 is too new"));
    let out = d.docker(&["version"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn unknown_objects_are_404_with_docker_messages() {
    require_root!();
    let d = Daemon::with_busybox();
    let r = d
        .request("GET", "/v1.41/containers/nope/json", None)
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "No such container: nope");
    let r = d.request("GET", "/v1.41/images/nope/json", None).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "No such image: nope:latest");
    let r = d.request("GET", "/v1.41/no/such/route", None).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "page not found");
    let body = br#"{"Image":"nope","Cmd":["true"]}"#;
    let r = d
        .request(
            "POST",
            "/v1.41/containers/create",
            Some(("application/json", body)),
        )
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "No such image: nope:latest");

    let out = d.docker(&["rm", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("No such container: nope"),
        "{}",
        stderr(&out)
    );
    let out = d.berth(&["stop", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("No such container: nope"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_json_is_400_and_creates_nothing() {
    require_root!();
    let d = Daemon::with_busybox();
    let r = d
        .request(
            "POST",
            "/v1.41/containers/create",
            Some(("application/json", b"{not json")),
        )
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["message"].is_string());
    let list = d
        .request("GET", "/v1.41/containers/json?all=1", None)
        .unwrap();
    assert_eq!(list.json(), serde_json::json!([]));
}

#[test]
fn name_conflict_is_409() {
    require_root!();
    let d = Daemon::with_busybox();
    assert_eq!(
        d.docker(&["create", "--name", "dup", "busybox", "true"])
            .status
            .code(),
        Some(0)
    );
    let out = d.docker(&["create", "--name", "dup", "busybox", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is already in use"),
        "{}",
        stderr(&out)
    );
    let body = br#"{"Image":"busybox","Cmd":["true"]}"#;
    let r = d
        .request(
            "POST",
            "/v1.41/containers/create?name=dup",
            Some(("application/json", body)),
        )
        .unwrap();
    assert_eq!(r.status, 409);
    let r = d
        .request(
            "POST",
            "/v1.41/containers/create?name=bad%20name",
            Some(("application/json", body)),
        )
        .unwrap();
    assert_eq!(r.status, 400);
    // Docker's name pattern needs two characters at least.
    let r = d
        .request(
            "POST",
            "/v1.41/containers/create?name=x",
            Some(("application/json", body)),
        )
        .unwrap();
    assert_eq!(r.status, 400);
}

#[test]
fn rm_running_without_force_is_409_and_kill_stopped_is_409() {
    require_root!();
    let d = Daemon::with_busybox();
    assert_eq!(
        d.docker(&["run", "-d", "--name", "rr", "busybox", "sleep", "30"])
            .status
            .code(),
        Some(0)
    );
    let r = d.request("DELETE", "/v1.41/containers/rr", None).unwrap();
    assert_eq!(r.status, 409);
    let stop = d
        .request("POST", "/v1.41/containers/rr/stop?t=0", None)
        .unwrap();
    assert_eq!(stop.status, 204);
    let again = d
        .request("POST", "/v1.41/containers/rr/stop", None)
        .unwrap();
    assert_eq!(again.status, 304);
    let kill = d
        .request("POST", "/v1.41/containers/rr/kill", None)
        .unwrap();
    assert_eq!(kill.status, 409);
    let del = d.request("DELETE", "/v1.41/containers/rr", None).unwrap();
    assert_eq!(del.status, 204);
}

#[test]
fn failed_start_leaves_an_exited_container_with_127() {
    require_root!();
    let d = Daemon::with_busybox();
    let out = d.docker(&["run", "--name", "bad", "busybox", "/no/such/binary"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    let state = String::from_utf8_lossy(
        &d.docker(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            "bad",
        ])
        .stdout,
    )
    .into_owned();
    // Docker leaves a container whose start failed in "created" with the exit code of the failure.
    assert_eq!(state.trim(), "false 127");
    let out = d.docker(&["run", "--rm", "busybox", "/no/such/binary"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).contains("no such file or directory"),
        "{}",
        stderr(&out)
    );
}
