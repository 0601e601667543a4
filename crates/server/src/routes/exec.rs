//! `/containers/{id}/exec` and `/exec/...`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tokio::io::AsyncWriteExt;

use crate::backend::{AttachIo, ContainerBackend, ExecStartOutcome};
use crate::error::ApiResult;
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{empty, json_ok, json_response};
use crate::routes::observe::resize_params;
use crate::upgrade;

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/containers/{id}/exec", post(create::<B>))
        .route("/exec/{id}/start", post(start::<B>))
        .route("/exec/{id}/resize", post(resize::<B>))
        .route("/exec/{id}/json", get(inspect::<B>))
}

async fn create<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body: api::ExecCreateBody = parse_json(&headers, &body, false)?;
    let exec_id = b.exec_create(&id, body).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &api::IdResponse { id: exec_id },
    ))
}

async fn start<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|e| crate::error::ApiError::invalid(e.to_string()))?;
    // The CLI's detached start is labelled text/plain: parse whatever JSON comes.
    let start: api::ExecStartBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        api::ExecStartBody::default()
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| crate::error::ApiError::invalid(format!("invalid JSON: {e}")))?
    };
    let req = Request::from_parts(parts, axum::body::Body::empty());
    if start.detach {
        return match b.exec_start(&id, start).await? {
            ExecStartOutcome::Detached => Ok(empty(StatusCode::OK)),
            ExecStartOutcome::Attached(io) => upgrade::hijack(req, io),
            ExecStartOutcome::Failed(message) => upgrade::hijack(req, bytes_io(message)),
        };
    }
    // As dockerd: only a missing exec is an HTTP error; the process starts after the 101 and
    // any later error is written on the stream (framed as stdout unless the exec has a TTY).
    let tty = b.exec_inspect(&id).await?.process_config.tty;
    upgrade::hijack_then(req, async move {
        match b.exec_start(&id, start).await {
            Ok(ExecStartOutcome::Attached(io)) => io,
            Ok(ExecStartOutcome::Failed(message)) => bytes_io(message),
            Ok(ExecStartOutcome::Detached) => bytes_io(Vec::new()),
            Err(e) => {
                let line = format!("{}\r\n", e.message);
                bytes_io(if tty {
                    line.into_bytes()
                } else {
                    api::stdcopy::encode(api::stdcopy::StdStream::Stdout, line.as_bytes())
                })
            }
        }
    })
}

/// A stream side that sends `bytes`, then ends.
fn bytes_io(bytes: Vec<u8>) -> Box<dyn AttachIo> {
    let (mut ours, theirs) = tokio::io::duplex(4096);
    tokio::spawn(async move {
        let _ = ours.write_all(&bytes).await;
        let _ = ours.shutdown().await;
    });
    Box::new(theirs)
}

async fn resize<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let (h, w) = resize_params(&q)?;
    b.exec_resize(&id, h, w).await?;
    Ok(empty(StatusCode::OK))
}

async fn inspect<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(json_ok(&b.exec_inspect(&id).await?))
}
