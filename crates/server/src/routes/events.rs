//! `GET /events`: history since `since`, then live events until `until` or the client leaves.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::backend::{ContainerBackend, EventsOptions};
use crate::error::{ApiError, ApiResult};
use crate::query::QueryParams;

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new().route("/events", get(events::<B>))
}

/// Unix seconds with an optional fraction (`1795336984.123456789`), as the CLI sends them.
fn unix_time(q: &QueryParams, key: &str) -> ApiResult<Option<f64>> {
    match q.get(key) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("invalid value for {key}: {v}"))),
    }
}

async fn events<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
) -> ApiResult<Response> {
    let opts = EventsOptions {
        since: unix_time(&q, "since")?,
        until: unix_time(&q, "until")?,
        filters: q.filters()?,
    };
    let stream = b.events(opts).await?;
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    Ok(resp)
}
