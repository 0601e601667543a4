//! `/images/...`. Image names contain `/` and `:`, so `{*rest}` routes dispatch on the suffix.

use std::sync::Arc;

use api::ProgressMessage;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use futures_util::TryStreamExt;

use crate::backend::{ImageBackend, ImportOptions};
use crate::error::{ApiError, ApiResult};
use crate::query::QueryParams;
use crate::response::{empty, json_ok};

pub fn routes<B: ImageBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/images/json", get(list::<B>))
        .route("/images/create", post(create::<B>))
        .route(
            "/images/{*rest}",
            get(get_by_suffix::<B>)
                .post(post_by_suffix::<B>)
                .delete(remove::<B>),
        )
}

async fn list<B: ImageBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    let filters = q.filters()?;
    filters
        .validate(&["dangling", "label", "before", "since", "reference"])
        .map_err(ApiError::from_err)?;
    Ok(json_ok(&b.list_images(q.bool("all"), filters).await?))
}

/// `GET /images/{name}/json`.
async fn get_by_suffix<B: ImageBackend>(
    State(b): State<Arc<B>>,
    Path(rest): Path<String>,
) -> ApiResult<Response> {
    if let Some(answer) = super::transfer::get_by_suffix(&*b, &rest).await {
        return answer;
    }
    match rest.strip_suffix("/json") {
        Some(name) if !name.is_empty() => Ok(json_ok(&b.inspect_image(name).await?)),
        _ => Err(page_not_found()),
    }
}

/// `POST /images/{name}/tag`.
async fn post_by_suffix<B: ImageBackend>(
    State(b): State<Arc<B>>,
    Path(rest): Path<String>,
    q: QueryParams,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if let Some(answer) = super::transfer::post_by_suffix(&*b, &rest, &q, &headers).await {
        return answer;
    }
    match rest.strip_suffix("/tag") {
        Some(name) if !name.is_empty() => {
            b.tag_image(
                name,
                q.get("repo").unwrap_or(""),
                q.get("tag").unwrap_or(""),
            )
            .await?;
            Ok(empty(StatusCode::CREATED))
        }
        _ => Err(page_not_found()),
    }
}

/// `DELETE /images/{name}`.
async fn remove<B: ImageBackend>(
    State(b): State<Arc<B>>,
    Path(name): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let prune = q
        .get("noprune")
        .map(|v| !api::query::parse_bool(v))
        .unwrap_or(true);
    Ok(json_ok(
        &b.remove_image(&name, q.bool("force"), prune).await?,
    ))
}

/// `POST /images/create`: `fromSrc=-` imports the body, `fromSrc=<url>` downloads and imports
/// (`docker import http://…`, the body is ignored), `fromImage` pulls. Once started, the answer
/// is a 200 JSON progress stream; later errors travel inside it.
async fn create<B: ImageBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
    req: Request,
) -> ApiResult<Response> {
    // As dockerd: a non-empty fromImage wins over fromSrc.
    if let Some(image) = q.get("fromImage").filter(|i| !i.is_empty()) {
        return super::transfer::pull(&*b, image, &q, req.headers()).await;
    }
    let Some(src) = q.get("fromSrc") else {
        return Err(ApiError::invalid("fromImage or fromSrc is required"));
    };
    let opts = ImportOptions {
        repo: q.get("repo").unwrap_or("").to_string(),
        tag: q.get("tag").unwrap_or("").to_string(),
        message: q.get("message").unwrap_or("").to_string(),
        changes: q.get_all("changes"),
    };
    if src != "-" {
        let stream = b.import_image_from_url(src, opts).await?;
        return Ok(super::transfer::progress_response(stream));
    }
    let body = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let id = b.import_image(Box::pin(body), opts).await?;
    let mut line = serde_json::to_vec(&ProgressMessage::status(id)).unwrap_or_default();
    line.extend_from_slice(b"\r\n");
    let mut resp = Response::new(Body::from(Bytes::from(line)));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    Ok(resp)
}

fn page_not_found() -> ApiError {
    ApiError::not_found("page not found")
}
