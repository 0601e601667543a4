//! `docker cp`: `HEAD`, `GET` and `PUT /containers/{id}/archive?path=` (transcript 08). The
//! stat of the path travels in `X-Docker-Container-Path-Stat` (base64 of its JSON).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use futures_util::TryStreamExt;

use crate::backend::{ContainerBackend, ExtractToDirOptions, PathStat};
use crate::error::{ApiError, ApiResult};
use crate::query::QueryParams;
use crate::response::empty;

const STAT_HEADER: &str = "x-docker-container-path-stat";

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new().route(
        "/containers/{id}/archive",
        get(archive::<B>).head(stat::<B>).put(extract::<B>),
    )
}

/// `path` is required (dockerd: `Path cannot be empty`).
fn path_param(q: &QueryParams) -> ApiResult<String> {
    match q.get("path") {
        Some(p) if !p.is_empty() => Ok(p.to_string()),
        _ => Err(ApiError::invalid("Path cannot be empty")),
    }
}

fn stat_header(stat: &PathStat) -> ApiResult<HeaderValue> {
    let json = serde_json::to_vec(stat)
        .map_err(|e| ApiError::new(errdefs::ErrorKind::Internal, e.to_string()))?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    HeaderValue::from_str(&encoded)
        .map_err(|e| ApiError::new(errdefs::ErrorKind::Internal, e.to_string()))
}

async fn stat<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let path = path_param(&q)?;
    let stat = b.stat_path(&id, &path).await?;
    let mut resp = empty(StatusCode::OK);
    resp.headers_mut().insert(STAT_HEADER, stat_header(&stat)?);
    Ok(resp)
}

async fn archive<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let path = path_param(&q)?;
    let (stat, stream) = b.archive_path(&id, &path).await?;
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-tar"),
    );
    resp.headers_mut().insert(STAT_HEADER, stat_header(&stat)?);
    Ok(resp)
}

async fn extract<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
    req: Request,
) -> ApiResult<Response> {
    let path = path_param(&q)?;
    let opts = ExtractToDirOptions {
        no_overwrite_dir_non_dir: q.bool("noOverwriteDirNonDir"),
        copy_uid_gid: q.bool("copyUIDGID"),
    };
    let body = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    b.extract_to_dir(&id, &path, opts, Box::pin(body)).await?;
    Ok(empty(StatusCode::OK))
}
