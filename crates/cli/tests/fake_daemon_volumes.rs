//! `berth` volume commands and `run` volume flags against an in-process fake daemon: the
//! requests docker 28.2.2 sends for the same command lines (recorded against a recording fake
//! and in transcript 13) and docker's output.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
mod fake_daemon;
use fake_daemon::{berth, full, serve, text, Body};
use serde_json::{json, Value};

/// One request as the fake saw it: `METHOD /path?query` and the body text.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    body: String,
}

#[derive(Default)]
struct Fake {
    seen: Mutex<Vec<Seen>>,
}

impl Fake {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.line).collect()
    }
}

const MYVOL: &str = r#"{"CreatedAt":"2026-11-22T09:56:15Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker-transcripts/volumes/myvol/_data","Name":"myvol","Options":null,"Scope":"local"}"#;
const LIST: &str = r#"{"Volumes":[{"CreatedAt":"2026-11-22T09:56:16Z","Driver":"local","Labels":{"env":"test"},"Mountpoint":"/var/lib/docker-transcripts/volumes/labeled/_data","Name":"labeled","Options":{"device":"tmpfs","type":"tmpfs"},"Scope":"local"},{"CreatedAt":"2026-11-22T09:56:15Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker-transcripts/volumes/myvol10/_data","Name":"myvol10","Options":null,"Scope":"local"},{"CreatedAt":"2026-11-22T09:56:15Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker-transcripts/volumes/myvol9/_data","Name":"myvol9","Options":null,"Scope":"local"}],"Warnings":null}"#;
const ANONYMOUS: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

async fn handle(req: Request<Incoming>, fake: Arc<Fake>) -> Result<Response<Body>, Infallible> {
    let line = format!("{} {}", req.method(), req.uri());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    fake.seen.lock().unwrap().push(Seen {
        line,
        body: body.clone(),
    });
    let volume_name = path.strip_prefix("/v1.41/volumes/").unwrap_or("");
    Ok(match (method, path.as_str()) {
        (Method::POST, "/v1.41/containers/create") => {
            full(StatusCode::CREATED, r#"{"Id":"c0ffee","Warnings":[]}"#)
        }
        (Method::POST, "/v1.41/containers/c0ffee/start") => full(StatusCode::NO_CONTENT, ""),
        (Method::POST, "/v1.41/volumes/create") => {
            let asked: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let name = asked["Name"].as_str().unwrap_or(ANONYMOUS);
            full(
                StatusCode::CREATED,
                &MYVOL.replace("\"myvol\"", &format!("\"{name}\"")),
            )
        }
        (Method::GET, "/v1.41/volumes") => full(StatusCode::OK, LIST),
        (Method::POST, "/v1.41/volumes/prune") => full(
            StatusCode::OK,
            r#"{"VolumesDeleted":["anon1","myvol"],"SpaceReclaimed":2048}"#,
        ),
        (Method::GET, _) if volume_name == "myvol" => full(StatusCode::OK, MYVOL),
        (Method::DELETE, _) if volume_name == "inuse" => full(
            StatusCode::CONFLICT,
            r#"{"message":"remove inuse: volume is in use - [7944b92442b4390668658e6eb1eae9eb5c3e743400587e304dddbb87916b1064]"}"#,
        ),
        (Method::DELETE, _) if volume_name.starts_with("nosuch") => full(
            StatusCode::NOT_FOUND,
            &format!(r#"{{"message":"get {volume_name}: no such volume"}}"#),
        ),
        (Method::DELETE, _) if !volume_name.is_empty() => full(StatusCode::NO_CONTENT, ""),
        (Method::GET, _) if !volume_name.is_empty() => full(
            StatusCode::NOT_FOUND,
            &format!(r#"{{"message":"get {volume_name}: no such volume"}}"#),
        ),
        _ => full(StatusCode::NOT_FOUND, r#"{"message":"page not found"}"#),
    })
}

fn start(dir: &tempfile::TempDir) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let served = fake.clone();
    let host = serve(dir, move |req| handle(req, served.clone()));
    (host, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_sends_the_volume_fields_docker_sends() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(
        &host,
        dir.path(),
        &[
            "run",
            "-d",
            "-v",
            "/data",
            "-v",
            "vol:/x:ro",
            "--mount",
            "type=tmpfs,target=/t,tmpfs-size=1m",
            "--tmpfs",
            "/run",
            "--volumes-from",
            "src:ro",
            "--read-only",
            "busybox",
            "true",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "c0ffee\n");
    let seen = fake.seen();
    assert_eq!(
        fake.lines(),
        [
            "POST /v1.41/containers/create",
            "POST /v1.41/containers/c0ffee/start"
        ]
    );
    let body: Value = serde_json::from_str(&seen[0].body).unwrap();
    let host_config = &body["HostConfig"];
    let sent = json!({
        "Volumes": body["Volumes"],
        "Binds": host_config["Binds"],
        "Mounts": host_config["Mounts"],
        "Tmpfs": host_config["Tmpfs"],
        "VolumesFrom": host_config["VolumesFrom"],
        "ReadonlyRootfs": host_config["ReadonlyRootfs"],
        "VolumeDriver": host_config["VolumeDriver"],
    });
    // docker 28.2.2's body for the same command line, these fields.
    let docker = json!({
        "Volumes": {"/data": {}},
        "Binds": ["vol:/x:ro"],
        "Mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576}}],
        "Tmpfs": {"/run": ""},
        "VolumesFrom": ["src:ro"],
        "ReadonlyRootfs": true,
        "VolumeDriver": "",
    });
    assert_eq!(sent, docker);
    // Mounts entries keep docker's field order and leave empty fields out.
    assert!(
        seen[0].body.contains(
            r#""Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576}}]"#
        ),
        "{}",
        seen[0].body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_mount_is_a_flag_error_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(
        &host,
        dir.path(),
        &["create", "--mount", "type=bind,x=y", "busybox"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        "invalid argument \"type=bind,x=y\" for \"--mount\" flag: unexpected key 'x' in 'x=y'\n\n\
         Usage:  berth create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n\
         Run 'berth create --help' for more information\n"
    );
    let out = berth(&host, dir.path(), &["run", "-v", "/a::/b", "busybox"], None).await;
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        "berth: invalid spec: /a::/b: empty section between colons\n\n\
         Run 'berth run --help' for more information\n"
    );
    assert!(fake.lines().is_empty(), "{:?}", fake.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_create_sends_dockers_body_and_prints_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(&host, dir.path(), &["volume", "create", "myvol"], None).await;
    assert_eq!(text(&out.stdout), "myvol\n", "{}", text(&out.stderr));
    let out = berth(
        &host,
        dir.path(),
        &[
            "volume",
            "create",
            "--label",
            "env=test",
            "-d",
            "local",
            "--opt",
            "type=tmpfs",
            "--opt",
            "device=tmpfs",
            "labeled",
        ],
        None,
    )
    .await;
    assert_eq!(text(&out.stdout), "labeled\n");
    let out = berth(&host, dir.path(), &["volume", "create"], None).await;
    assert_eq!(text(&out.stdout), format!("{ANONYMOUS}\n"));
    let seen = fake.seen();
    assert!(seen.iter().all(|s| s.line == "POST /v1.41/volumes/create"));
    // transcript 13's bodies, and docker's for an anonymous create
    assert_eq!(seen[0].body, r#"{"Driver":"local","Name":"myvol"}"#);
    assert_eq!(
        seen[1].body,
        r#"{"Driver":"local","DriverOpts":{"device":"tmpfs","type":"tmpfs"},"Labels":{"env":"test"},"Name":"labeled"}"#
    );
    assert_eq!(seen[2].body, r#"{"Driver":"local"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_ls_and_inspect_print_dockers_output() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(&host, dir.path(), &["volume", "ls"], None).await;
    // natural order: myvol9 before myvol10
    assert_eq!(
        text(&out.stdout),
        "DRIVER    VOLUME NAME\nlocal     labeled\nlocal     myvol9\nlocal     myvol10\n"
    );
    let out = berth(
        &host,
        dir.path(),
        &[
            "volume",
            "ls",
            "--format",
            "json",
            "--filter",
            "label=env=test",
        ],
        None,
    )
    .await;
    assert!(text(&out.stdout).starts_with(
        r#"{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"env=test","Links":"N/A","Mountpoint":"/var/lib/docker-transcripts/volumes/labeled/_data","Name":"labeled","Scope":"local","Size":"N/A","Status":"N/A"}"#
    ));
    let out = berth(&host, dir.path(), &["volume", "inspect", "myvol"], None).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "[\n    {\n        \"CreatedAt\": \"2026-11-22T09:56:15Z\",\n        \"Driver\": \"local\",\n        \"Labels\": null,\n        \"Mountpoint\": \"/var/lib/docker-transcripts/volumes/myvol/_data\",\n        \"Name\": \"myvol\",\n        \"Options\": null,\n        \"Scope\": \"local\"\n    }\n]\n"
    );
    let out = berth(
        &host,
        dir.path(),
        &[
            "volume",
            "inspect",
            "-f",
            "{{.Mountpoint}}",
            "myvol",
            "nosuch",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "/var/lib/docker-transcripts/volumes/myvol/_data\n"
    );
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: get nosuch: no such volume\n"
    );
    assert_eq!(
        fake.lines(),
        [
            "GET /v1.41/volumes",
            "GET /v1.41/volumes?filters=%7B%22label%22%3A%7B%22env%3Dtest%22%3Atrue%7D%7D",
            "GET /v1.41/volumes/myvol",
            "GET /v1.41/volumes/myvol",
            "GET /v1.41/volumes/nosuch",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_rm_tries_every_name() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(
        &host,
        dir.path(),
        &["volume", "rm", "inuse", "myvol", "nosuchvol"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "myvol\n");
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: remove inuse: volume is in use - [7944b92442b4390668658e6eb1eae9eb5c3e743400587e304dddbb87916b1064]\n\
         Error response from daemon: get nosuchvol: no such volume\n"
    );
    let out = berth(
        &host,
        dir.path(),
        &["volume", "remove", "-f", "inuse2"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        fake.lines(),
        [
            "DELETE /v1.41/volumes/inuse",
            "DELETE /v1.41/volumes/myvol",
            "DELETE /v1.41/volumes/nosuchvol",
            "DELETE /v1.41/volumes/inuse2?force=1",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_prune_prompts_and_reports_like_docker() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let prompt =
        "WARNING! This will remove all local volumes not used by at least one container.\n\
                  Are you sure you want to continue? [y/N] ";
    // "no": nothing is sent, exit 0
    let out = berth(&host, dir.path(), &["volume", "prune"], Some(b"n\n")).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), prompt);
    assert!(fake.lines().is_empty());
    let out = berth(
        &host,
        dir.path(),
        &["volume", "prune", "--filter", "label=a=b"],
        Some(b"y\n"),
    )
    .await;
    assert_eq!(
        text(&out.stdout),
        format!("{prompt}Deleted Volumes:\nanon1\nmyvol\n\nTotal reclaimed space: 2.048kB\n")
    );
    let out = berth(&host, dir.path(), &["volume", "prune", "-f"], None).await;
    assert_eq!(
        text(&out.stdout),
        "Deleted Volumes:\nanon1\nmyvol\n\nTotal reclaimed space: 2.048kB\n"
    );
    // -a needs API 1.42; docker 28 refuses it against a 1.41 daemon before sending anything
    let out = berth(&host, dir.path(), &["volume", "prune", "-a", "-f"], None).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "\"--all\" requires API version 1.42, but the Docker daemon API version is 1.41\n"
    );
    assert_eq!(
        fake.lines(),
        [
            "POST /v1.41/volumes/prune?filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%7D",
            "POST /v1.41/volumes/prune",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_inspect_finds_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir);
    let out = berth(
        &host,
        dir.path(),
        &["inspect", "-f", "{{.Name}} {{.Driver}}", "myvol"],
        None,
    )
    .await;
    assert_eq!(text(&out.stdout), "myvol local\n", "{}", text(&out.stderr));
    assert_eq!(
        fake.lines(),
        [
            "GET /v1.41/containers/myvol/json",
            "GET /v1.41/images/myvol/json",
            "GET /v1.41/volumes/myvol",
        ]
    );
    let out = berth(
        &host,
        dir.path(),
        &["inspect", "--type", "volume", "nosuch"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "[]\n");
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: get nosuch: no such volume\n"
    );
    let out = berth(&host, dir.path(), &["inspect", "nosuch"], None).await;
    assert_eq!(text(&out.stderr), "Error: No such object: nosuch\n");
}
