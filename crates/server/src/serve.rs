//! The HTTP/1.1 server loop on UNIX sockets: version-prefix stripping before routing, common
//! headers on every answer, upgrades enabled.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;
use tower::ServiceExt;

use crate::backend::Backend;
use crate::error::ApiError;
use crate::response::add_common_headers;
use crate::routes;
use crate::version_prefix::strip_version;

/// The full API router over a backend.
pub fn router<B: Backend>(backend: Arc<B>) -> Router {
    Router::new()
        .merge(routes::system::routes::<B>())
        .merge(routes::containers::routes::<B>())
        .merge(routes::images::routes::<B>())
        .merge(routes::transfer::routes::<B>())
        .merge(routes::build::routes::<B>())
        .merge(routes::observe::routes::<B>())
        .merge(routes::archive::routes::<B>())
        .merge(routes::exec::routes::<B>())
        .merge(routes::events::routes::<B>())
        .merge(routes::disk_usage::routes::<B>())
        .merge(routes::volumes::routes::<B>())
        .merge(routes::networks::routes::<B>())
        .fallback(|| async { ApiError::not_found("page not found") })
        .method_not_allowed_fallback(|| async { ApiError::not_found("page not found") })
        .with_state(backend)
}

/// Handles one request: strip `/v1.NN`, route, add the common headers.
pub async fn handle(app: Router, req: Request<Incoming>) -> Response<Body> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut req = req.map(Body::new);
    let mut resp = match rewrite_uri(req.uri()) {
        Ok(uri) => {
            *req.uri_mut() = uri;
            match app.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
        Err(e) => e.into_response(),
    };
    if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        add_common_headers(resp.headers_mut());
    }
    tracing::debug!(%method, %path, status = resp.status().as_u16(), elapsed = ?started.elapsed(), "request");
    resp
}

fn rewrite_uri(uri: &Uri) -> Result<Uri, ApiError> {
    let (path, version) = strip_version(uri.path())?;
    if version.is_none() {
        return Ok(uri.clone());
    }
    let pq = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    pq.parse::<Uri>()
        .map_err(|e| ApiError::invalid(format!("invalid request URI: {e}")))
}

/// Serves connections from `listener` until the task is dropped.
pub async fn serve(listener: UnixListener, app: Router) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept: {e}");
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(handle(app, req).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await
            {
                tracing::debug!("connection: {e}");
            }
        });
    }
}
