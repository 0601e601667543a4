//! What the fake-daemon test files share: an HTTP/1.1 server on a UNIX socket that hands each
//! request to the test's handler (with upgrades, for attach and exec), and `berth` run against it.
#![allow(dead_code)] // each test file uses its own part of this module

use std::convert::Infallible;
use std::future::Future;
use std::path::Path;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixListener;

pub type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

pub fn full(status: StatusCode, body: &str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())).boxed());
    *r.status_mut() = status;
    r
}

/// The `101 UPGRADED` answer to an attach or exec start.
pub fn upgraded_response() -> Response<Body> {
    let mut r = full(StatusCode::SWITCHING_PROTOCOLS, "");
    r.headers_mut()
        .insert("connection", "Upgrade".parse().unwrap());
    r.headers_mut().insert("upgrade", "tcp".parse().unwrap());
    r
}

/// Serves `handler` on `<dir>/fake.sock` until the test's runtime ends; returns the `-H` value.
pub fn serve<H, F>(dir: &tempfile::TempDir, handler: H) -> String
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let path = dir.path().join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(handler);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    format!("unix://{}", path.display())
}

/// Runs `berth -H host ARGS` with `BERTH_CONFIG=config_dir` (never the developer's config),
/// feeding `stdin` when given; fails the test if berth runs past 20 s.
pub async fn berth(
    host: &str,
    config_dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.arg("-H").arg(host).args(args);
    cmd.env("BERTH_CONFIG", config_dir)
        .env_remove("DOCKER_CONFIG");
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        });
    let mut child = cmd.spawn().unwrap();
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(data).await.unwrap();
        drop(pipe);
    }
    tokio::time::timeout(std::time::Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("berth hung")
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
