//! `/volumes...`: create, list, inspect, remove, prune.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::backend::VolumeBackend;
use crate::error::ApiResult;
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{empty, json_ok, json_response};

pub fn routes<B: VolumeBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/volumes", get(list::<B>))
        .route("/volumes/create", post(create::<B>))
        .route("/volumes/prune", post(prune::<B>))
        .route("/volumes/{name}", get(inspect::<B>).delete(remove::<B>))
}

async fn create<B: VolumeBackend>(
    State(b): State<Arc<B>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let opts: api::VolumeCreateOptions = parse_json(&headers, &body, true)?;
    Ok(json_response(
        StatusCode::CREATED,
        &b.create_volume(opts).await?,
    ))
}

async fn list<B: VolumeBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    Ok(json_ok(&b.list_volumes(q.filters()?).await?))
}

async fn inspect<B: VolumeBackend>(
    State(b): State<Arc<B>>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    Ok(json_ok(&b.inspect_volume(&name).await?))
}

async fn remove<B: VolumeBackend>(
    State(b): State<Arc<B>>,
    Path(name): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    b.remove_volume(&name, q.bool("force")).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn prune<B: VolumeBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    Ok(json_ok(&b.prune_volumes(q.filters()?).await?))
}
