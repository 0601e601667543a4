//! `/_ping`, `/version`, `/info`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::backend::SystemBackend;
use crate::error::ApiResult;
use crate::response::json_ok;

pub fn routes<B: SystemBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/_ping", get(ping).head(ping))
        .route("/version", get(version::<B>))
        .route("/info", get(info::<B>))
}

/// `HEAD`/`GET /_ping`: the headers the CLI negotiates with; `OK` for GET, empty for HEAD.
async fn ping(method: Method) -> Response {
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from("OK")
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert("builder-version", HeaderValue::from_static("1"));
    h.insert(
        "cache-control",
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    h.insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert("pragma", HeaderValue::from_static("no-cache"));
    if method == Method::HEAD {
        h.insert("content-length", HeaderValue::from_static("0"));
    }
    resp
}

async fn version<B: SystemBackend>(State(b): State<Arc<B>>) -> ApiResult<Response> {
    Ok(json_ok(&b.version().await?))
}

async fn info<B: SystemBackend>(State(b): State<Arc<B>>) -> ApiResult<Response> {
    Ok(json_ok(&b.info().await?))
}
