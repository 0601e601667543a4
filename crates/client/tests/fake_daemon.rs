//! The client against a small in-process daemon on a temporary UNIX socket: JSON requests,
//! error bodies, query strings, a chunked wait body and a hijacked attach stream.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use client::{Client, ClientError, DaemonHost, LogsOptions};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())).boxed());
    *r.status_mut() = status;
    r
}

/// Requests seen by the fake daemon, as `METHOD uri`.
type Seen = Arc<Mutex<Vec<String>>>;

async fn handle(req: Request<Incoming>, seen: Seen) -> Result<Response<Body>, Infallible> {
    let line = format!("{} {}", req.method(), req.uri());
    seen.lock().unwrap().push(line.clone());
    let path = req.uri().path().to_string();
    Ok(match path.as_str() {
        "/v1.41/containers/create" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["Image"], "busybox");
            assert_eq!(v["HostConfig"]["Memory"], 1024);
            full(StatusCode::CREATED, r#"{"Id":"abc","Warnings":[]}"#)
        }
        "/v1.41/containers/nope/json" => full(
            StatusCode::NOT_FOUND,
            "{\"message\":\"No such container: nope\"}\n",
        ),
        "/v1.41/containers/abc/stop" => full(StatusCode::NOT_MODIFIED, ""),
        "/v1.41/containers/json" => full(StatusCode::OK, "[]"),
        "/v1.41/containers/abc/wait" => {
            // Headers now, the body a little later, like dockerd.
            let frames = futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Ok::<_, Infallible>(Frame::data(Bytes::from_static(
                    b"{\"Error\":null,\"StatusCode\":3}\n",
                )))
            });
            Response::new(StreamBody::new(frames).boxed())
        }
        "/v1.41/containers/abc/logs" => {
            let mut framed = api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"one\n");
            framed.extend(api::stdcopy::encode(
                api::stdcopy::StdStream::Stderr,
                b"two\n",
            ));
            let frames = futures_util::stream::iter(
                framed
                    .chunks(5)
                    .map(|c| Ok::<_, Infallible>(Frame::data(Bytes::copy_from_slice(c))))
                    .collect::<Vec<_>>(),
            );
            Response::new(StreamBody::new(frames).boxed())
        }
        "/v1.41/containers/abc/attach" => {
            assert_eq!(req.headers()["upgrade"], "tcp");
            tokio::spawn(async move {
                let upgraded = hyper::upgrade::on(req).await.unwrap();
                let mut io = TokioIo::new(upgraded);
                // Echo stdin back as one stdout frame once the client half-closes.
                let mut input = Vec::new();
                io.read_to_end(&mut input).await.unwrap();
                let frame = api::stdcopy::encode(api::stdcopy::StdStream::Stdout, &input);
                io.write_all(&frame).await.unwrap();
                io.shutdown().await.unwrap();
            });
            let mut r = full(StatusCode::SWITCHING_PROTOCOLS, "");
            r.headers_mut()
                .insert("connection", "Upgrade".parse().unwrap());
            r.headers_mut().insert("upgrade", "tcp".parse().unwrap());
            r
        }
        _ => full(StatusCode::NOT_FOUND, "{\"message\":\"page not found\"}"),
    })
}

async fn start_fake_daemon(dir: &tempfile::TempDir) -> (Client, Seen) {
    let path = dir.path().join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let seen: Seen = Arc::default();
    let seen_server = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let seen = seen_server.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(req, seen.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    (Client::new(DaemonHost::Unix(path)), seen)
}

#[tokio::test]
async fn json_requests_errors_and_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let (client, seen) = start_fake_daemon(&dir).await;

    let mut body = api::ContainerCreateBody::default();
    body.config.image = "busybox".into();
    body.host_config.memory = 1024;
    let created = client.create_container(Some("web"), &body).await.unwrap();
    assert_eq!(created.id, "abc");

    let err = client.inspect_container("nope").await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Api { status: 404, message } if message == "No such container: nope")
    );
    assert_eq!(
        err.to_string(),
        "Error response from daemon: No such container: nope"
    );

    // 304 from stop is a success.
    client.stop_container("abc", Some(0), None).await.unwrap();

    let mut filters = api::Filters::new();
    filters.add("status", "exited");
    let list = client
        .list_containers(true, None, false, &filters)
        .await
        .unwrap();
    assert!(list.is_empty());

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], "POST /v1.41/containers/create?name=web");
    assert_eq!(seen[2], "POST /v1.41/containers/abc/stop?t=0");
    assert_eq!(
        seen[3],
        "GET /v1.41/containers/json?all=1&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D"
    );
}

#[tokio::test]
async fn attach_wait_and_logs_streams() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _seen) = start_fake_daemon(&dir).await;

    let mut stream = client
        .attach_container("abc", true, true, true)
        .await
        .unwrap();
    let waiter = client
        .wait_container("abc", api::WaitCondition::NextExit)
        .await
        .unwrap();
    stream.write_all(b"hello").await.unwrap();
    stream.shutdown().await.unwrap();
    let mut output = Vec::new();
    stream.read_to_end(&mut output).await.unwrap();
    assert_eq!(
        output,
        api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"hello")
    );
    assert_eq!(waiter.result().await.unwrap().status_code, 3);

    let options = LogsOptions {
        stdout: true,
        stderr: true,
        ..LogsOptions::default()
    };
    let logs = client.container_logs("abc", &options).await.unwrap();
    let bytes = logs.collect().await.unwrap();
    let mut demuxer = api::stdcopy::Demuxer::new();
    demuxer.push(&bytes);
    assert_eq!(
        &demuxer.next_frame().unwrap().unwrap().payload[..],
        b"one\n"
    );
    assert_eq!(
        &demuxer.next_frame().unwrap().unwrap().payload[..],
        b"two\n"
    );
}

#[tokio::test]
async fn connection_refused_names_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(DaemonHost::Unix(dir.path().join("absent.sock")));
    let err = client.ping().await.unwrap_err();
    assert!(matches!(err, ClientError::Connect { .. }));
    assert!(err.to_string().contains("absent.sock"), "{err}");
}
