//! `berth` against an in-process fake daemon for the interactive and image commands: exec (plain,
//! detached, TTY under a real pty), attach in raw mode with detach keys, login/logout writing
//! config.json and the `X-Registry-Auth` it leads to, pull/push progress, events and stats.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
mod fake_daemon;
use fake_daemon::{berth, full, serve, text, upgraded_response, Body};

/// What the fake saw: request lines, bodies, `X-Registry-Auth` headers, and bytes received on
/// hijacked streams.
#[derive(Default)]
struct Seen {
    requests: Vec<String>,
    bodies: Vec<(String, String)>,
    registry_auth: Vec<String>,
    stdin: Vec<u8>,
}

struct Fake {
    /// Whether the container and execs have a TTY.
    tty: bool,
    seen: Mutex<Seen>,
    /// Signalled by a `kill` request: a TTY session whose stdin closed stays open until then.
    killed: tokio::sync::Notify,
}

const STATS_SAMPLE: &str = r#"{"id":"712a1f5c6a836ba41e1a8487f1faf1b592d57bc3aad9f751190aa74936866e8b","name":"/statbox","cpu_stats":{"cpu_usage":{"total_usage":2000000},"system_cpu_usage":1000000000,"online_cpus":4},"precpu_stats":{"cpu_usage":{"total_usage":1000000},"system_cpu_usage":600000000},"memory_stats":{"usage":1000000,"limit":25275000000,"stats":{"total_inactive_file":356928}},"pids_stats":{"current":2},"networks":{"eth0":{"rx_bytes":586,"tx_bytes":0}}}"#;

async fn handle(mut req: Request<Incoming>, fake: Arc<Fake>) -> Result<Response<Body>, Infallible> {
    let line = format!("{} {}", req.method(), req.uri());
    let path = req.uri().path().to_string();
    if let Some(auth) = req.headers().get("x-registry-auth") {
        let value = auth.to_str().unwrap_or("").to_string();
        fake.seen.lock().unwrap().registry_auth.push(value);
    }
    let upgrade = hyper::upgrade::on(&mut req);
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    {
        let mut seen = fake.seen.lock().unwrap();
        seen.requests.push(line);
        if !body.is_empty() {
            seen.bodies.push((path.clone(), body.clone()));
        }
    }
    let tty = fake.tty;
    Ok(match path.as_str() {
        "/v1.41/containers/box/json" => full(
            StatusCode::OK,
            &format!(
                r#"{{"Id":"b0x","Name":"/box","State":{{"Status":"running","Running":true}},"Config":{{"Tty":{tty},"OpenStdin":true}}}}"#
            ),
        ),
        "/v1.41/containers/box/exec" => full(StatusCode::CREATED, r#"{"Id":"e1"}"#),
        "/v1.41/exec/e1/start" if body.contains(r#""Detach":true"#) => full(StatusCode::OK, ""),
        "/v1.41/exec/e1/start" | "/v1.41/containers/b0x/attach" => {
            let fake = fake.clone();
            tokio::spawn(async move {
                let Ok(upgraded) = upgrade.await else {
                    return;
                };
                let mut io = TokioIo::new(upgraded);
                if tty {
                    // A shell on a TTY: echo what arrives until `q`, then exit.
                    let _ = io.write_all(b"$ ").await;
                    let mut buf = [0u8; 64];
                    loop {
                        let n = match io.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        fake.seen.lock().unwrap().stdin.extend_from_slice(&buf[..n]);
                        let _ = io.write_all(&buf[..n]).await;
                        if buf[..n].contains(&b'q') {
                            break;
                        }
                    }
                    if !fake.seen.lock().unwrap().stdin.contains(&b'q') {
                        // `run -t` without stdin: runs until killed.
                        let _ = tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            fake.killed.notified(),
                        )
                        .await;
                    }
                } else {
                    let mut input = Vec::new();
                    let _ = io.read_to_end(&mut input).await;
                    fake.seen.lock().unwrap().stdin.extend_from_slice(&input);
                    let mut out = api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"out\n");
                    out.extend(api::stdcopy::encode(api::stdcopy::StdStream::Stderr, b"err\n"));
                    let _ = io.write_all(&out).await;
                }
                let _ = io.shutdown().await;
            });
            upgraded_response()
        }
        "/v1.41/exec/e1/json" => full(
            StatusCode::OK,
            r#"{"ID":"e1","Running":false,"ExitCode":5,"ContainerID":"b0x","Pid":42}"#,
        ),
        "/v1.41/containers/b0x/wait" => full(StatusCode::OK, r#"{"Error":null,"StatusCode":0}"#),
        "/v1.41/auth" => {
            if body.contains(r#""password":"good""#) {
                full(StatusCode::OK, r#"{"Status":"Login Succeeded"}"#)
            } else {
                full(
                    StatusCode::UNAUTHORIZED,
                    r#"{"message":"login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized"}"#,
                )
            }
        }
        "/v1.41/images/127.0.0.1:5000/demo/app/push" => full(
            StatusCode::OK,
            concat!(
                "{\"status\":\"The push refers to repository [127.0.0.1:5000/demo/app]\"}\r\n",
                "{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"3c9e43fd4ed8\"}\r\n",
                "{\"status\":\"Pushing\",\"progressDetail\":{\"current\":1,\"total\":2},\"progress\":\"[=> ]\",\"id\":\"3c9e43fd4ed8\"}\r\n",
                "{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"3c9e43fd4ed8\"}\r\n",
                "{\"status\":\"1: digest: sha256:e602 size: 942\"}\r\n",
                "{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\",\"Digest\":\"sha256:e602\",\"Size\":942}}\r\n"
            ),
        ),
        "/v1.41/images/create" => full(
            StatusCode::OK,
            concat!(
                "{\"status\":\"Pulling from demo/nosuch\",\"id\":\"latest\"}\r\n",
                "{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest unknown\"}\r\n"
            ),
        ),
        "/v1.41/events" => full(
            StatusCode::OK,
            concat!(
                "{\"status\":\"create\",\"id\":\"68\",\"from\":\"busybox\",\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"68\",\"Attributes\":{\"name\":\"evdemo\",\"image\":\"busybox\"}},\"scope\":\"local\",\"time\":1795341357,\"timeNano\":1795341357474544907}\n",
                "{\"status\":\"die\",\"id\":\"68\",\"from\":\"busybox\",\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"68\",\"Attributes\":{\"name\":\"evdemo\",\"image\":\"busybox\",\"exitCode\":\"0\"}},\"scope\":\"local\",\"time\":1795341357,\"timeNano\":1795341357791971396}\n"
            ),
        ),
        "/v1.41/containers/statbox/stats" => full(StatusCode::OK, &format!("{STATS_SAMPLE}\n")),
        "/v1.41/containers/box/pause" | "/v1.41/containers/box/rename" => {
            full(StatusCode::NO_CONTENT, "")
        }
        "/v1.41/containers/prune" => full(
            StatusCode::OK,
            r#"{"ContainersDeleted":["a1","b2"],"SpaceReclaimed":2048}"#,
        ),
        "/v1.41/containers/create" => full(StatusCode::CREATED, r#"{"Id":"b0x","Warnings":[]}"#),
        "/v1.41/containers/b0x/start" => full(StatusCode::NO_CONTENT, ""),
        "/v1.41/containers/b0x/resize" => full(StatusCode::OK, ""),
        "/v1.41/containers/b0x/kill" => {
            if req_query_is_term(&line_of_last(&fake)) {
                fake.killed.notify_one();
            }
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

/// The request line recorded last (the one being handled).
fn line_of_last(fake: &Fake) -> String {
    fake.seen
        .lock()
        .unwrap()
        .requests
        .last()
        .cloned()
        .unwrap_or_default()
}

/// A `kill` that ends the fake container (anything but WINCH).
fn req_query_is_term(line: &str) -> bool {
    !line.contains("signal=WINCH")
}

async fn start(dir: &tempfile::TempDir, tty: bool) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        tty,
        seen: Mutex::default(),
        killed: tokio::sync::Notify::new(),
    });
    let served = fake.clone();
    let host = serve(dir, move |req| handle(req, served.clone()));
    (host, fake)
}

/// Runs a shell command line under `script`, i.e. on a real pseudo-terminal, feeding `input`
/// to the terminal slowly (so each piece is a separate read on the other side).
async fn under_pty(command_line: &str, input: &[&[u8]]) -> std::process::Output {
    let mut child = tokio::process::Command::new("script")
        .args(["-qefc", command_line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    for piece in input {
        pipe.write_all(piece).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("script hung")
        .unwrap();
    drop(pipe);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_follows_the_docker_flow_and_exits_with_the_exec_code() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;
    let out = berth(
        &host,
        dir.path(),
        &["exec", "box", "sh", "-c", "exit 5"],
        None,
    )
    .await;
    assert_eq!(text(&out.stdout), "out\n", "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "err\n");
    assert_eq!(out.status.code(), Some(5));
    let seen = fake.seen.lock().unwrap();
    assert_eq!(
        seen.requests,
        [
            "GET /v1.41/containers/box/json",
            "POST /v1.41/containers/box/exec",
            "POST /v1.41/exec/e1/start",
            "GET /v1.41/exec/e1/json",
        ]
    );
    assert_eq!(
        seen.bodies[0].1,
        r#"{"User":"","Privileged":false,"Tty":false,"AttachStdin":false,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":null,"WorkingDir":"","Cmd":["sh","-c","exit 5"]}"#
    );
    assert_eq!(seen.bodies[1].1, r#"{"Detach":false,"Tty":false}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_interactive_sends_stdin_and_detached_does_not_attach() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;
    let out = berth(
        &host,
        dir.path(),
        &["exec", "-i", "box", "cat"],
        Some(b"piped-input\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(fake.seen.lock().unwrap().stdin, b"piped-input\n");

    let dir2 = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir2, false).await;
    let out = berth(
        &host,
        dir.path(),
        &["exec", "-d", "-e", "A=1", "box", "sleep", "1"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.requests.len(), 3, "{:?}", seen.requests);
    assert!(seen.bodies[0].1.contains(r#""Detach":true"#));
    assert!(seen.bodies[0].1.contains(r#""Env":["A=1"]"#));
    assert_eq!(seen.bodies[1].1, r#"{"Detach":true,"Tty":false}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_of_a_missing_container_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (host, _fake) = start(&dir, false).await;
    let out = berth(&host, dir.path(), &["exec", "nosuch", "true"], None).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: No such container: nosuch\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_tty_puts_the_terminal_in_raw_mode_and_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, true).await;
    let line = format!(
        "{} -H {host} exec -it box sh; echo \"code=$?\"; stty -a",
        env!("CARGO_BIN_EXE_berth")
    );
    // `ab` without a newline only reaches berth if the terminal is raw (a cooked terminal holds
    // it until Enter); ctrl-c must arrive as a byte, not kill berth.
    let out = under_pty(&line, &[b"ab", b"\x03", b"q"]).await;
    let output = text(&out.stdout);
    assert_eq!(fake.seen.lock().unwrap().stdin, b"ab\x03q", "{output}");
    assert!(output.contains("code=5"), "{output}");
    // After berth the terminal is cooked again.
    let after = output.split("code=5").nth(1).unwrap_or("");
    assert!(
        after.contains(" icanon") && after.contains(" echo"),
        "{after}"
    );
    let seen = fake.seen.lock().unwrap();
    assert!(
        seen.bodies[0].1.contains(r#""Tty":true,"#),
        "{:?}",
        seen.bodies
    );
    assert!(seen.bodies[0].1.contains(r#""AttachStdin":true"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_to_a_tty_container_detaches_with_custom_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, true).await;
    let line = format!(
        "{} -H {host} attach --detach-keys ctrl-a,x box; echo \"code=$?\"; stty -a",
        env!("CARGO_BIN_EXE_berth")
    );
    // ctrl-p ctrl-q is not the sequence here, so it goes through; ctrl-a x detaches.
    let out = under_pty(&line, &[b"hi", b"\x10\x11", b"\x01", b"x"]).await;
    let output = text(&out.stdout);
    assert!(output.contains("code=0"), "{output}");
    assert_eq!(fake.seen.lock().unwrap().stdin, b"hi\x10\x11", "{output}");
    let after = output.split("code=0").nth(1).unwrap_or("");
    assert!(after.contains(" icanon"), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_writes_config_json_and_push_pull_send_the_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;

    let out = berth(
        &host,
        config.path(),
        &[
            "login",
            "-u",
            "testuser",
            "--password-stdin",
            "127.0.0.1:5000",
        ],
        Some(b"wrong\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized\n"
    );
    assert!(!config.path().join("config.json").exists());

    let out = berth(
        &host,
        config.path(),
        &[
            "login",
            "-u",
            "testuser",
            "--password-stdin",
            "127.0.0.1:5000",
        ],
        Some(b"good\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Login Succeeded\n");
    assert!(text(&out.stderr).contains("WARNING! Your credentials are stored unencrypted"));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("config.json")).unwrap()).unwrap();
    // base64("testuser:good")
    assert_eq!(
        written["auths"]["127.0.0.1:5000"]["auth"],
        "dGVzdHVzZXI6Z29vZA=="
    );
    assert_eq!(
        fake.seen.lock().unwrap().bodies.last().unwrap().1,
        r#"{"username":"testuser","password":"good","serveraddress":"127.0.0.1:5000"}"#
    );

    let out = berth(
        &host,
        config.path(),
        &["push", "127.0.0.1:5000/demo/app:1"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "The push refers to repository [127.0.0.1:5000/demo/app]\n\
         3c9e43fd4ed8: Preparing\n\
         3c9e43fd4ed8: Pushed\n\
         1: digest: sha256:e602 size: 942\n"
    );
    // {"username":"testuser","password":"good","serveraddress":"127.0.0.1:5000"}, base64url
    let expected = "eyJ1c2VybmFtZSI6InRlc3R1c2VyIiwicGFzc3dvcmQiOiJnb29kIiwic2VydmVyYWRkcmVzcyI6IjEyNy4wLjAuMTo1MDAwIn0=";
    assert_eq!(fake.seen.lock().unwrap().registry_auth, [expected]);

    let out = berth(&host, config.path(), &["logout", "127.0.0.1:5000"], None).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "Removing login credentials for 127.0.0.1:5000\n"
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.path().join("config.json")).unwrap()).unwrap();
    assert!(
        written["auths"].get("127.0.0.1:5000").is_none(),
        "{written}"
    );

    // Logged out: anonymous; the error inside the stream fails the pull.
    let out = berth(
        &host,
        config.path(),
        &["pull", "127.0.0.1:5000/demo/nosuch"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "Using default tag: latest\nlatest: Pulling from demo/nosuch\n"
    );
    assert_eq!(
        text(&out.stderr),
        "Error response from daemon: manifest unknown\n"
    );
    assert_eq!(fake.seen.lock().unwrap().registry_auth[1], "e30=");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_stats_output() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;
    let out = berth(
        &host,
        dir.path(),
        &[
            "events",
            "--since",
            "1795341356",
            "--until",
            "1795341358",
            "--filter",
            "type=container",
            "--format",
            "{{.Action}} {{.Actor.Attributes.name}}",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "create evdemo\ndie evdemo\n");
    assert_eq!(
        fake.seen.lock().unwrap().requests[0],
        "GET /v1.41/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D&since=1795341356&until=1795341358"
    );

    let out = berth(
        &host,
        dir.path(),
        &[
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}",
            "statbox",
        ],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "statbox 1.00% 628KiB / 23.54GiB 2\n");
    assert!(fake
        .seen
        .lock()
        .unwrap()
        .requests
        .contains(&"GET /v1.41/containers/statbox/stats?stream=0".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_change_sends_kill_winch_then_resize() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, true).await;
    // `run -t` (no stdin) in the background of a pty; then the terminal grows and gets SIGWINCH.
    let line = format!(
        "{} -H {host} run -t busybox top & p=$!; sleep 1; stty rows 40 cols 120; kill -WINCH $p; sleep 1; kill -TERM $p; wait $p",
        env!("CARGO_BIN_EXE_berth")
    );
    let out = under_pty(&line, &[]).await;
    let seen = fake.seen.lock().unwrap().requests.clone();
    let winch = seen
        .iter()
        .position(|r| r == "POST /v1.41/containers/b0x/kill?signal=WINCH");
    let resize = seen
        .iter()
        .position(|r| r == "POST /v1.41/containers/b0x/resize?h=40&w=120");
    assert!(
        matches!((winch, resize), (Some(w), Some(r)) if w < r),
        "{seen:?} {}",
        text(&out.stdout)
    );
    assert!(
        seen[0].starts_with("POST /v1.41/containers/create"),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminating_signal_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (host, _fake) = start(&dir, true).await;
    // berth reads the pty explicitly (a background job's stdin is /dev/null otherwise); while it
    // runs the terminal is raw, after SIGTERM it must be cooked again.
    let line = format!(
        "{} -H {host} exec -it box sh </dev/tty & p=$!; sleep 1; stty -a | grep -o ' -icanon' ; kill -TERM $p; wait $p; echo \"code=$?\"; stty -a",
        env!("CARGO_BIN_EXE_berth")
    );
    let out = under_pty(&line, &[]).await;
    let output = text(&out.stdout);
    assert!(
        output.contains(" -icanon"),
        "not raw while attached: {output}"
    );
    assert!(output.contains("code=143"), "{output}");
    let after = output.split("code=143").nth(1).unwrap_or("");
    assert!(
        after.contains(" icanon") && !after.contains("-icanon"),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_stats_redraw_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["-H", &host, "stats", "statbox"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    child.start_kill().unwrap();
    let out = child.wait_with_output().await.unwrap();
    let output = text(&out.stdout);
    let frames: Vec<&str> = output.split("\x1b[2J\x1b[H").skip(1).collect();
    assert!(frames.len() >= 2, "{output:?}");
    let last = frames.last().unwrap();
    assert!(last.starts_with("CONTAINER ID   NAME"), "{last:?}");
    assert!(last.contains("712a1f5c6a83   statbox   1.00%"), "{last:?}");
    assert!(fake
        .seen
        .lock()
        .unwrap()
        .requests
        .contains(&"GET /v1.41/containers/statbox/stats?stream=1".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_prune_asks_first_and_reports_like_docker() {
    let dir = tempfile::tempdir().unwrap();
    let (host, fake) = start(&dir, false).await;
    let out = berth(&host, dir.path(), &["container", "prune"], Some(b"n\n")).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
    );
    assert!(fake.seen.lock().unwrap().requests.is_empty());

    let out = berth(
        &host,
        dir.path(),
        &["container", "prune", "-f", "--filter", "until=1h"],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Deleted Containers:\na1\nb2\n\nTotal reclaimed space: 2.048kB\n"
    );
    assert_eq!(
        fake.seen.lock().unwrap().requests,
        ["POST /v1.41/containers/prune?filters=%7B%22until%22%3A%7B%221h%22%3Atrue%7D%7D"]
    );
}
