//! Registries, archives, commit, history and prune (issue 4): `/auth`, `/commit`,
//! `/images/get`, `/images/load`, `/images/prune`, and the helpers `images.rs` calls for
//! `fromImage` pulls and the `/images/{name}/push|get|history` suffixes.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use futures_util::{StreamExt, TryStreamExt};

use crate::backend::{
    CommitRequest, ImageBackend, LoginRequest, ProgressMessage, ProgressStream, PullOptions,
};
use crate::error::{ApiError, ApiResult};
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{json_ok, json_response};

pub fn routes<B: ImageBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/auth", post(login::<B>))
        .route("/commit", post(commit::<B>))
        .route("/images/get", get(save::<B>))
        .route("/images/load", post(load::<B>))
        .route("/images/prune", post(prune::<B>))
}

/// One JSON message per line, `\r\n`-terminated, as dockerd's stream formatter writes them.
fn message_line(m: &ProgressMessage) -> Bytes {
    let mut line = serde_json::to_vec(m).unwrap_or_default();
    line.extend_from_slice(b"\r\n");
    Bytes::from(line)
}

/// A `200 application/json` answer that streams progress messages as they come.
pub(super) fn progress_response(stream: ProgressStream) -> Response {
    let body = stream.map(|m| Ok::<_, std::io::Error>(message_line(&m)));
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    resp
}

fn registry_auth(headers: &HeaderMap) -> String {
    headers
        .get("x-registry-auth")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// `POST /images/create?fromImage=…&tag=…&platform=…`.
pub async fn pull<B: ImageBackend>(
    b: &B,
    image: &str,
    q: &QueryParams,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let opts = PullOptions {
        image: image.to_string(),
        tag: q.get("tag").unwrap_or("").to_string(),
        platform: q.get("platform").unwrap_or("").to_string(),
        registry_auth: registry_auth(headers),
    };
    Ok(progress_response(b.pull(opts).await?))
}

/// `GET /images/{name}/get` and `GET /images/{name}/history`; `None` for other suffixes.
pub async fn get_by_suffix<B: ImageBackend>(b: &B, rest: &str) -> Option<ApiResult<Response>> {
    if let Some(name) = rest.strip_suffix("/history").filter(|n| !n.is_empty()) {
        return Some(
            b.image_history(name)
                .await
                .map(|h| json_ok(&h))
                .map_err(ApiError::from),
        );
    }
    if let Some(name) = rest.strip_suffix("/get").filter(|n| !n.is_empty()) {
        return Some(save_response(b, vec![name.to_string()]).await);
    }
    None
}

/// `POST /images/{name}/push?tag=`; `None` for other suffixes.
pub async fn post_by_suffix<B: ImageBackend>(
    b: &B,
    rest: &str,
    q: &QueryParams,
    headers: &HeaderMap,
) -> Option<ApiResult<Response>> {
    let name = rest.strip_suffix("/push").filter(|n| !n.is_empty())?;
    let tag = q.get("tag").unwrap_or("");
    Some(
        b.push(name, tag, &registry_auth(headers))
            .await
            .map(progress_response)
            .map_err(ApiError::from),
    )
}

async fn save_response<B: ImageBackend>(b: &B, names: Vec<String>) -> ApiResult<Response> {
    let stream = b.save_images(names).await?;
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-tar"),
    );
    Ok(resp)
}

/// `GET /images/get?names=a&names=b`.
async fn save<B: ImageBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    save_response(&*b, q.get_all("names")).await
}

/// `POST /images/load?quiet=`.
async fn load<B: ImageBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
    req: Request,
) -> ApiResult<Response> {
    let body = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let stream = b.load_images(Box::pin(body), q.bool("quiet")).await?;
    Ok(progress_response(stream))
}

/// `POST /images/prune?filters=`.
async fn prune<B: ImageBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    Ok(json_ok(&b.prune_images(q.filters()?).await?))
}

/// `POST /auth` with `{"username","password","serveraddress"}`.
async fn login<B: ImageBackend>(
    State(b): State<Arc<B>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let request: LoginRequest = parse_json(&headers, &body, false)?;
    b.login(request).await?;
    Ok(json_ok(&serde_json::json!({
        "IdentityToken": "",
        "Status": "Login Succeeded"
    })))
}

/// `POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=`.
async fn commit<B: ImageBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    let request = CommitRequest {
        container: q.get("container").unwrap_or("").to_string(),
        repo: q.get("repo").unwrap_or("").to_string(),
        tag: q.get("tag").unwrap_or("").to_string(),
        comment: q.get("comment").unwrap_or("").to_string(),
        author: q.get("author").unwrap_or("").to_string(),
        changes: q.get_all("changes"),
        pause: q
            .get("pause")
            .map(|v| v.is_empty() || api::query::parse_bool(v))
            .unwrap_or(true),
    };
    let id = b.commit(request).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::json!({ "Id": id }),
    ))
}
