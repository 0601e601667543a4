//! Container endpoints beyond the lifecycle: pause, unpause, resize, stats, top, update,
//! changes, export, prune.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::backend::{ByteStream, ContainerBackend, UpdateConfig};
use crate::error::{ApiError, ApiResult};
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{empty, json_ok};

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/containers/prune", post(prune::<B>))
        .route("/containers/{id}/pause", post(pause::<B>))
        .route("/containers/{id}/unpause", post(unpause::<B>))
        .route("/containers/{id}/resize", post(resize::<B>))
        .route("/containers/{id}/stats", get(stats::<B>))
        .route("/containers/{id}/top", get(top::<B>))
        .route("/containers/{id}/update", post(update::<B>))
        .route("/containers/{id}/changes", get(changes::<B>))
        .route("/containers/{id}/export", get(export::<B>))
}

/// `h` and `w` of a resize: unsigned integers (dockerd: 400 otherwise).
pub fn resize_params(q: &QueryParams) -> ApiResult<(u32, u32)> {
    let parse = |k: &str| -> ApiResult<u32> {
        let v = q.get(k).unwrap_or("");
        v.parse::<u32>()
            .map_err(|_| ApiError::invalid(format!("strconv.Atoi: parsing {v:?}: invalid syntax")))
    };
    Ok((parse("h")?, parse("w")?))
}

fn streamed(stream: ByteStream, content_type: &'static str) -> Response {
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    resp
}

async fn pause<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    b.pause(&id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn unpause<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    b.unpause(&id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn resize<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let (h, w) = resize_params(&q)?;
    b.resize(&id, h, w).await?;
    Ok(empty(StatusCode::OK))
}

async fn stats<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    // `stream` defaults to true.
    let stream = q.get("stream").map(|_| q.bool("stream")).unwrap_or(true);
    let one_shot = q.bool("one-shot");
    if one_shot && stream {
        return Err(ApiError::invalid(
            "cannot have stream=true and one-shot=true",
        ));
    }
    Ok(streamed(
        b.stats(&id, stream, one_shot).await?,
        "application/json",
    ))
}

async fn top<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    Ok(json_ok(&b.top(&id, q.get("ps_args").unwrap_or("")).await?))
}

async fn update<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let update: UpdateConfig = parse_json(&headers, &body, false)?;
    Ok(json_ok(&b.update(&id, update).await?))
}

async fn changes<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(json_ok(&b.changes(&id).await?))
}

async fn export<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(streamed(b.export(&id).await?, "application/x-tar"))
}

async fn prune<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
) -> ApiResult<Response> {
    Ok(json_ok(&b.prune_containers(q.filters()?).await?))
}
