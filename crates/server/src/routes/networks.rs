//! `/networks...`: create, list, inspect, remove, connect, disconnect, prune.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::backend::NetworkBackend;
use crate::error::ApiResult;
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{empty, json_ok, json_response};

pub fn routes<B: NetworkBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/networks", get(list::<B>))
        .route("/networks/create", post(create::<B>))
        .route("/networks/prune", post(prune::<B>))
        .route("/networks/{id}", get(inspect::<B>).delete(remove::<B>))
        .route("/networks/{id}/connect", post(connect::<B>))
        .route("/networks/{id}/disconnect", post(disconnect::<B>))
}

async fn create<B: NetworkBackend>(
    State(b): State<Arc<B>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: api::NetworkCreateRequest = parse_json(&headers, &body, false)?;
    Ok(json_response(
        StatusCode::CREATED,
        &b.create_network(req).await?,
    ))
}

async fn list<B: NetworkBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    Ok(json_ok(&b.list_networks(q.filters()?).await?))
}

/// `verbose` and `scope` are accepted; a local daemon has nothing more to show.
async fn inspect<B: NetworkBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(json_ok(&b.inspect_network(&id).await?))
}

async fn remove<B: NetworkBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    b.remove_network(&id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn connect<B: NetworkBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: api::NetworkConnectRequest = parse_json(&headers, &body, false)?;
    b.connect_network(&id, req).await?;
    Ok(empty(StatusCode::OK))
}

async fn disconnect<B: NetworkBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: api::NetworkDisconnectRequest = parse_json(&headers, &body, false)?;
    b.disconnect_network(&id, req).await?;
    Ok(empty(StatusCode::OK))
}

async fn prune<B: NetworkBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    Ok(json_ok(&b.prune_networks(q.filters()?).await?))
}
