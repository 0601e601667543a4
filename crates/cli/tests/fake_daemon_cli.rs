//! The `berth` binary against an in-process fake daemon: the `run` request order, output
//! demultiplexing, exit codes and error messages, without needing a real berthd.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
mod fake_daemon;
use fake_daemon::{berth, full, serve, text, Body};
use tokio::sync::Notify;

/// What the fake container does once started.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Prints `out` on stdout and `err` on stderr, exits 3.
    OutErrExit3,
    /// Echoes its stdin to stdout, exits 0.
    Cat,
    /// Start fails with "executable file not found".
    MissingExecutable,
    /// Create fails with "No such image".
    MissingImage,
    /// Runs until a kill request arrives, then exits 130.
    UntilKilled,
}

struct Fake {
    behaviour: Behaviour,
    seen: Mutex<Vec<String>>,
    started: Notify,
    exited: Notify,
    killed: Notify,
}

async fn handle(req: Request<Incoming>, fake: Arc<Fake>) -> Result<Response<Body>, Infallible> {
    let line = format!("{} {}", req.method(), req.uri());
    fake.seen.lock().unwrap().push(line);
    let path = req.uri().path().to_string();
    Ok(match path.as_str() {
        "/v1.41/containers/create" => match fake.behaviour {
            Behaviour::MissingImage => full(
                StatusCode::NOT_FOUND,
                r#"{"message":"No such image: nosuch:latest"}"#,
            ),
            _ => full(StatusCode::CREATED, r#"{"Id":"c0ffee","Warnings":[]}"#),
        },
        "/v1.41/containers/c0ffee/attach" => {
            let fake = fake.clone();
            tokio::spawn(async move {
                let Ok(upgraded) = hyper::upgrade::on(req).await else {
                    return;
                };
                let mut io = TokioIo::new(upgraded);
                let mut input = Vec::new();
                if matches!(fake.behaviour, Behaviour::Cat) {
                    let _ = io.read_to_end(&mut input).await;
                }
                fake.started.notified().await;
                let mut out = Vec::new();
                match fake.behaviour {
                    Behaviour::OutErrExit3 => {
                        out.extend(api::stdcopy::encode(
                            api::stdcopy::StdStream::Stdout,
                            b"out\n",
                        ));
                        out.extend(api::stdcopy::encode(
                            api::stdcopy::StdStream::Stderr,
                            b"err\n",
                        ));
                    }
                    Behaviour::UntilKilled => {
                        let ready =
                            api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"ready\n");
                        let _ = io.write_all(&ready).await;
                        fake.killed.notified().await;
                    }
                    Behaviour::Cat => out.extend(api::stdcopy::encode(
                        api::stdcopy::StdStream::Stdout,
                        &input,
                    )),
                    _ => {}
                }
                let _ = io.write_all(&out).await;
                let _ = io.shutdown().await;
                fake.exited.notify_one();
            });
            let mut r = full(StatusCode::SWITCHING_PROTOCOLS, "");
            r.headers_mut()
                .insert("connection", "Upgrade".parse().unwrap());
            r.headers_mut().insert("upgrade", "tcp".parse().unwrap());
            r
        }
        "/v1.41/containers/c0ffee/wait" => {
            let code = match fake.behaviour {
                Behaviour::OutErrExit3 => 3,
                Behaviour::UntilKilled => 130,
                _ => 0,
            };
            let frames = futures_util::stream::once(async move {
                fake.exited.notified().await;
                let body = format!("{{\"Error\":null,\"StatusCode\":{code}}}\n");
                Ok::<_, Infallible>(Frame::data(Bytes::from(body)))
            });
            Response::new(StreamBody::new(frames).boxed())
        }
        "/v1.41/containers/c0ffee/start" => match fake.behaviour {
            Behaviour::MissingExecutable => {
                fake.exited.notify_one();
                full(
                    StatusCode::BAD_REQUEST,
                    r#"{"message":"exec: \"nope\": executable file not found in $PATH"}"#,
                )
            }
            _ => {
                fake.started.notify_one();
                full(StatusCode::NO_CONTENT, "")
            }
        },
        "/v1.41/containers/json" => full(
            StatusCode::OK,
            r#"[{"Id":"fc65055a18285712b1beebed2d4e0543ce00d12de91045ec22a95e411fa3a684","Names":["/exited1"],"Image":"busybox","ImageID":"sha256:e5","Command":"true","Created":1,"Ports":[],"Labels":{},"State":"exited","Status":"Exited (0) 1 second ago","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}]"#,
        ),
        "/v1.41/images/create" => full(
            StatusCode::OK,
            concat!(
                "{\"status\":\"Pulling from demo/busybox\",\"id\":\"v1\"}\r\n",
                "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1,\"total\":2},",
                "\"progress\":\"[=>  ] 1B/2B\",\"id\":\"3c9e43fd4ed8\"}\r\n",
                "{\"status\":\"Digest: sha256:6910\"}\r\n",
                "{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/demo/busybox:v1\"}\r\n"
            ),
        ),
        "/v1.41/containers/a/stop" => full(StatusCode::NO_CONTENT, ""),
        "/v1.41/containers/c0ffee/kill" => {
            fake.killed.notify_one();
            full(StatusCode::NO_CONTENT, "")
        }
        _ => full(
            StatusCode::NOT_FOUND,
            &format!(
                "{{\"message\":\"No such container: {}\"}}",
                path.rsplit('/').nth(1).unwrap_or("")
            ),
        ),
    })
}

async fn start(dir: &tempfile::TempDir, behaviour: Behaviour) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        behaviour,
        seen: Mutex::default(),
        started: Notify::new(),
        exited: Notify::new(),
        killed: Notify::new(),
    });
    let served = fake.clone();
    let host = serve(dir, move |req| handle(req, served.clone()));
    (host, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_follows_the_docker_request_order_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, Behaviour::OutErrExit3).await;
    let out = berth(
        &host,
        dir.path(),
        &["run", "--rm", "--name", "n", "busybox", "sh", "-c", "x"],
        None,
    )
    .await;
    assert_eq!(text(&out.stdout), "out\n", "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "err\n");
    assert_eq!(out.status.code(), Some(3));
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "POST /v1.41/containers/create?name=n",
            "POST /v1.41/containers/c0ffee/attach?stderr=1&stdout=1&stream=1",
            "POST /v1.41/containers/c0ffee/wait?condition=removed",
            "POST /v1.41/containers/c0ffee/start",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_interactive_forwards_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, Behaviour::Cat).await;
    let out = berth(
        &host,
        dir.path(),
        &["run", "-i", "busybox", "cat"],
        Some(b"line1\nline2\n"),
    )
    .await;
    assert_eq!(
        text(&out.stdout),
        "line1\nline2\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(
        seen[1],
        "POST /v1.41/containers/c0ffee/attach?stderr=1&stdin=1&stdout=1&stream=1"
    );
    assert_eq!(
        seen[2],
        "POST /v1.41/containers/c0ffee/wait?condition=next-exit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_failure_exits_127() {
    let dir = tempfile::tempdir().unwrap();
    let (host, _fake) = start(&dir, Behaviour::MissingExecutable).await;
    let out = berth(&host, dir.path(), &["run", "busybox", "nope"], None).await;
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        text(&out.stderr),
        "berth: Error response from daemon: exec: \"nope\": executable file not found in $PATH\n\n\
         Run 'berth run --help' for more information\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_image_with_pull_never_exits_125() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, Behaviour::MissingImage).await;
    let out = berth(
        &host,
        dir.path(),
        &["run", "--pull", "never", "nosuch"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr)
        .starts_with("berth: Error response from daemon: No such image: nosuch:latest\n"));
    assert_eq!(
        fake.seen.lock().unwrap().len(),
        1,
        "no pull with --pull never"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_inspect_and_stop_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (host, _fake) = start(&dir, Behaviour::OutErrExit3).await;

    let out = berth(&host, dir.path(), &["ps", "-a"], None).await;
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    // CREATED depends on today's date ("56 years ago"), so only its neighbours are exact.
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("CONTAINER ID   IMAGE     COMMAND   CREATED   "),
        "{header}"
    );
    assert!(
        header.ends_with("   STATUS                    PORTS     NAMES"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("fc65055a1828   busybox   \"true\"    "),
        "{row}"
    );
    assert!(
        row.ends_with("Exited (0) 1 second ago             exited1"),
        "{row}"
    );

    let out = berth(&host, dir.path(), &["ps", "-aq", "--no-trunc"], None).await;
    assert_eq!(
        text(&out.stdout),
        "fc65055a18285712b1beebed2d4e0543ce00d12de91045ec22a95e411fa3a684\n"
    );
    let out = berth(
        &host,
        dir.path(),
        &["container", "ls", "-a", "--format", "{{.Names}} {{.State}}"],
        None,
    )
    .await;
    assert_eq!(text(&out.stdout), "exited1 exited\n");

    let out = berth(&host, dir.path(), &["inspect", "nope"], None).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "[]\n");
    assert_eq!(text(&out.stderr), "Error: No such object: nope\n");

    // rm -f of a missing container is silent and succeeds; without -f it fails.
    let out = berth(&host, dir.path(), &["rm", "-f", "nope"], None).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
    let out = berth(&host, dir.path(), &["rm", "nope"], None).await;
    assert_eq!(out.status.code(), Some(1));

    let out = berth(&host, dir.path(), &["stop", "a", "nope"], None).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "a\n");
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: No such container: nope\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_is_forwarded_to_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, Behaviour::UntilKilled).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["-H", &host, "run", "busybox", "sleep", "1000"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the container's first output: berth is attached and its proxy installed.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stdout.read_exact(&mut first),
    )
    .await
    .expect("no output");
    if read.is_err() {
        let out = child.wait_with_output().await.unwrap();
        panic!("berth exited early: {:?} {}", out.status, text(&out.stderr));
    }
    assert_eq!(&first, b"ready\n");
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("berth did not exit after the container was killed")
        .unwrap();
    assert_eq!(status.code(), Some(130));
    let seen = fake.seen.lock().unwrap().clone();
    assert!(
        seen.contains(&"POST /v1.41/containers/c0ffee/kill?signal=INT".to_string()),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_prints_status_lines_and_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, Behaviour::OutErrExit3).await;
    let out = berth(
        &host,
        dir.path(),
        &["pull", "127.0.0.1:5000/demo/busybox:v1"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "v1: Pulling from demo/busybox\n\
         Digest: sha256:6910\n\
         Status: Downloaded newer image for 127.0.0.1:5000/demo/busybox:v1\n\
         127.0.0.1:5000/demo/busybox:v1\n"
    );
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        ["POST /v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fdemo%2Fbusybox&tag=v1"]
    );
}
