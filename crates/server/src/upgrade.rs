//! Hijacked connections (`attach`): answer `101 UPGRADED`, then pipe raw bytes both ways.

use std::future::Future;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backend::AttachIo;
use crate::error::ApiResult;

/// Sends `HTTP/1.1 101 UPGRADED` and bridges the upgraded connection to `io`.
///
/// Client→container: raw stdin; when the client half-closes, the write side toward the
/// container is shut down (that closes stdin with `StdinOnce`). Container→client: stdcopy frames;
/// when they end, the client connection is closed whatever the client is still sending.
pub fn hijack(req: Request, io: Box<dyn AttachIo>) -> ApiResult<Response> {
    hijack_then(req, std::future::ready(io))
}

/// Like [`hijack`], but `connect` (which obtains the container side, e.g. starts an exec) runs
/// only once the 101 has been written, as dockerd hijacks before it starts an exec. Output then
/// never travels together with the 101: docker-py reads the upgraded socket beneath its HTTP
/// buffer, so bytes received along with the answer's head are lost to it. `connect` runs even
/// when the upgrade fails, so the work it starts is not silently skipped.
pub fn hijack_then<F>(mut req: Request, connect: F) -> ApiResult<Response>
where
    F: Future<Output = Box<dyn AttachIo>> + Send + 'static,
{
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let upgraded = on_upgrade.await;
        let io = connect.await;
        match upgraded {
            Ok(u) => bridge(TokioIo::new(u), io).await,
            Err(e) => tracing::debug!("attach upgrade failed: {e}"),
        }
    });
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.docker.raw-stream"),
    );
    h.insert("connection", HeaderValue::from_static("Upgrade"));
    h.insert("upgrade", HeaderValue::from_static("tcp"));
    resp.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(b"UPGRADED"));
    Ok(resp)
}

/// Copies both directions; returns when the container side's output has ended.
pub async fn bridge<C>(client: C, container: Box<dyn AttachIo>)
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut client_r, mut client_w) = tokio::io::split(client);
    let (mut cont_r, mut cont_w) = tokio::io::split(container);
    let stdin = async move {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = match client_r.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if cont_w.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = cont_w.shutdown().await;
        // Keep the task parked so the select below is decided by the output side only.
        std::future::pending::<()>().await;
    };
    let output = async move {
        let _ = tokio::io::copy(&mut cont_r, &mut client_w).await;
        let _ = client_w.shutdown().await;
    };
    tokio::select! {
        _ = stdin => {}
        _ = output => {}
    }
}
