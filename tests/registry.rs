//! Registry workflows through the real docker CLI against berthd and a real docker-registry on
//! 127.0.0.1: push, pull, run pulling on demand, login, pull by digest, missing tags.

use std::io::Write;
use std::process::{Output, Stdio};

use test_support::{expect_success, require_root, stderr, stdout, Daemon, Registry};

#[test]
fn push_rmi_pull_run_and_push_again() {
    require_root!();
    let registry = Registry::start();
    let d = Daemon::with_busybox();
    let image = format!("{}/team/app:1.0", registry.addr());
    expect_success(d.docker(&["tag", "busybox", &image]));

    let pushed = expect_success(d.docker(&["push", &image]));
    assert!(
        pushed.contains(&format!(
            "The push refers to repository [{}/team/app]",
            registry.addr()
        )),
        "{pushed}"
    );
    assert!(pushed.contains(": Pushed"), "{pushed}");
    let digest_line = pushed
        .lines()
        .find(|l| l.starts_with("1.0: digest: sha256:"))
        .unwrap_or_else(|| panic!("no digest line in {pushed}"))
        .to_string();
    let digest = digest_line.split_whitespace().nth(2).unwrap().to_string();

    // The same content again: the registry has every blob.
    let again = expect_success(d.docker(&["push", &image]));
    assert!(again.contains(": Layer already exists"), "{again}");
    assert!(again.contains(&digest_line), "{again}");

    expect_success(d.docker(&["rmi", &image]));
    let pulled = expect_success(d.docker(&["pull", &image]));
    assert!(pulled.contains(&format!("Digest: {digest}")), "{pulled}");
    assert!(
        pulled.contains(&format!("Status: Image is up to date for {image}"))
            || pulled.contains(&format!("Status: Downloaded newer image for {image}")),
        "{pulled}"
    );
    let digests =
        expect_success(d.docker(&["image", "inspect", "-f", "{{json .RepoDigests}}", &image]));
    assert!(
        digests.contains(&format!("{}/team/app@{digest}", registry.addr())),
        "{digests}"
    );

    // A fresh daemon has nothing: the pull downloads every layer, and run works.
    let fresh = Daemon::start();
    let pulled = expect_success(fresh.docker(&["pull", &image]));
    assert!(pulled.contains("Pull complete"), "{pulled}");
    assert!(
        pulled.contains(&format!("Status: Downloaded newer image for {image}")),
        "{pulled}"
    );
    let out = expect_success(fresh.docker(&["run", "--rm", &image, "echo", "pulled-and-ran"]));
    assert_eq!(out, "pulled-and-ran\n");

    // rmi of the last tag also drops the repository's digest reference, so the image goes.
    let removed = expect_success(fresh.docker(&["rmi", &image]));
    assert!(
        removed.contains(&format!("Untagged: {}/team/app@{digest}", registry.addr())),
        "{removed}"
    );
    assert!(removed.contains("Deleted: sha256:"), "{removed}");
    assert_eq!(expect_success(fresh.docker(&["images", "-q"])).trim(), "");

    // Pull by digest.
    let by_digest = format!("{}/team/app@{digest}", registry.addr());
    let other = Daemon::start();
    expect_success(other.docker(&["pull", &by_digest]));
    let out = expect_success(other.docker(&["run", "--rm", &by_digest, "echo", "by-digest"]));
    assert_eq!(out, "by-digest\n");
}

#[test]
fn run_pulls_a_missing_image_on_demand() {
    require_root!();
    let registry = Registry::start();
    let source = Daemon::with_busybox();
    let image = format!("{}/x:y", registry.addr());
    expect_success(source.docker(&["tag", "busybox", &image]));
    expect_success(source.docker(&["push", &image]));

    let d = Daemon::start();
    let out = d.docker(&["run", "--rm", &image, "echo", "on-demand"]);
    assert_eq!(stdout(&out), "on-demand\n", "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("Unable to find image '{image}' locally")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pull_of_a_missing_tag_says_manifest_unknown() {
    require_root!();
    let registry = Registry::start();
    let d = Daemon::start();
    let out = d.docker(&["pull", &format!("{}/nope/nothing:1", registry.addr())]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("manifest unknown"),
        "{}",
        stderr(&out)
    );
    let images = expect_success(d.docker(&["images", "-q"]));
    assert_eq!(images.trim(), "");
}

fn login(d: &Daemon, addr: &str, user: &str, password: &str) -> Output {
    let mut child = d
        .docker_cmd(&["login", "-u", user, "--password-stdin", addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker login");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn login_then_push_and_pull_with_credentials() {
    require_root!();
    let registry = Registry::start_with_htpasswd("alice", "s3cret");
    let d = Daemon::with_busybox();
    let addr = registry.addr();
    let image = format!("{addr}/fr/iut/caen/mapremiereimage:latest");
    expect_success(d.docker(&["tag", "busybox", &image]));

    // Without credentials the registry refuses.
    let out = d.docker(&["push", &image]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = login(&d, &addr, "alice", "wrong");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "login attempt to http://{addr}/v2/ failed with status: 401 Unauthorized"
        )),
        "{}",
        stderr(&out)
    );

    let out = login(&d, &addr, "alice", "s3cret");
    assert!(
        expect_success(&out).contains("Login Succeeded"),
        "{}",
        stdout(&out)
    );
    expect_success(d.docker(&["push", &image]));
    expect_success(d.docker(&["rmi", &image]));
    expect_success(d.docker(&["pull", &image]));
    let out = expect_success(d.docker(&["run", "--rm", &image, "echo", "authenticated"]));
    assert_eq!(out, "authenticated\n");
}

#[test]
fn api_errors_match_dockerd() {
    require_root!();
    let registry = Registry::start_with_htpasswd("bob", "pw");
    let open = Registry::start();
    let d = Daemon::start();

    let resp = d
        .request(
            "POST",
            &format!(
                "/v1.41/images/create?fromImage={}/nope/none&tag=1",
                open.addr()
            ),
            None,
        )
        .unwrap();
    assert_eq!(resp.status, 404, "{}", resp.text());
    assert_eq!(
        resp.json()["message"],
        format!(
            "manifest for {}/nope/none:1 not found: manifest unknown: manifest unknown",
            open.addr()
        )
    );

    let body = format!(
        r#"{{"username":"bob","password":"bad","serveraddress":"{}"}}"#,
        registry.addr()
    );
    let resp = d
        .request(
            "POST",
            "/v1.41/auth",
            Some(("application/json", body.as_bytes())),
        )
        .unwrap();
    assert_eq!(resp.status, 500, "{}", resp.text());
    assert_eq!(
        resp.json()["message"],
        format!(
            "login attempt to http://{}/v2/ failed with status: 401 Unauthorized",
            registry.addr()
        )
    );
    let body = body.replace("bad", "pw");
    let resp = d
        .request(
            "POST",
            "/v1.41/auth",
            Some(("application/json", body.as_bytes())),
        )
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["Status"], "Login Succeeded");
    assert_eq!(resp.json()["IdentityToken"], "");
}
