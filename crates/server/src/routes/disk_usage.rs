//! `GET /system/df`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::backend::ContainerBackend;
use crate::error::ApiResult;
use crate::response::json_ok;

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new().route("/system/df", get(disk_usage::<B>))
}

async fn disk_usage<B: ContainerBackend>(State(b): State<Arc<B>>) -> ApiResult<Response> {
    Ok(json_ok(&b.disk_usage().await?))
}
