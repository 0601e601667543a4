//! `/containers/...`.

use std::sync::Arc;

use api::WaitCondition;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::backend::{AttachOptions, ContainerBackend, ListOptions, LogsOptions};
use crate::error::{ApiError, ApiResult};
use crate::json_body::parse_json;
use crate::query::QueryParams;
use crate::response::{empty, json_ok, json_response};
use crate::upgrade;

pub fn routes<B: ContainerBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/containers/create", post(create::<B>))
        .route("/containers/json", get(list::<B>))
        .route("/containers/{id}/json", get(inspect::<B>))
        .route("/containers/{id}/start", post(start::<B>))
        .route("/containers/{id}/stop", post(stop::<B>))
        .route("/containers/{id}/restart", post(restart::<B>))
        .route("/containers/{id}/kill", post(kill::<B>))
        .route("/containers/{id}/rename", post(rename::<B>))
        .route("/containers/{id}/wait", post(wait::<B>))
        .route("/containers/{id}/attach", post(attach::<B>))
        .route("/containers/{id}/logs", get(logs::<B>))
        .route("/containers/{id}", delete(remove::<B>))
}

async fn create<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body: api::ContainerCreateBody = parse_json(&headers, &body, false)?;
    let name = q.get("name").filter(|n| !n.is_empty()).map(str::to_string);
    let created = b.create(name, body).await?;
    Ok(json_response(StatusCode::CREATED, &created))
}

async fn list<B: ContainerBackend>(State(b): State<Arc<B>>, q: QueryParams) -> ApiResult<Response> {
    let limit = q.int("limit")?.filter(|l| *l > 0).map(|l| l as usize);
    let opts = ListOptions {
        all: q.bool("all"),
        limit,
        size: q.bool("size"),
        filters: q.filters()?,
    };
    Ok(json_ok(&b.list(opts).await?))
}

async fn inspect<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(json_ok(&b.inspect(&id).await?))
}

async fn start<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    b.start(&id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn stop<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    match q.get("signal").filter(|s| !s.is_empty()) {
        Some(signal) => b.stop_with_signal(&id, q.int("t")?, signal).await?,
        None => b.stop(&id, q.int("t")?).await?,
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn restart<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    b.restart(&id, q.int("t")?).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn kill<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let signal = q
        .get("signal")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    b.kill(&id, signal).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn rename<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let new_name = q.get("name").unwrap_or("");
    b.rename(&id, new_name).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn remove<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    b.remove(&id, q.bool("force"), q.bool("v")).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Headers go out at once (chunked); the body follows when the condition is met.
async fn wait<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let cond = q.get("condition").unwrap_or("");
    let condition = WaitCondition::parse(cond)
        .ok_or_else(|| ApiError::invalid(format!("invalid condition: \"{cond}\"")))?;
    let done = b.wait(&id, condition).await?;
    let body = futures_util::stream::once(async move {
        let result = done.await;
        let mut line = serde_json::to_vec(&result).unwrap_or_default();
        line.push(b'\n');
        Ok::<_, std::io::Error>(Bytes::from(line))
    });
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    Ok(resp)
}

async fn attach<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
    req: Request,
) -> ApiResult<Response> {
    let opts = AttachOptions {
        stdin: q.bool("stdin"),
        stdout: q.bool("stdout"),
        stderr: q.bool("stderr"),
        stream: q.bool("stream"),
        logs: q.bool("logs"),
    };
    let io = b.attach(&id, opts).await?;
    upgrade::hijack(req, io)
}

async fn logs<B: ContainerBackend>(
    State(b): State<Arc<B>>,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Response> {
    let stdout = q.bool("stdout");
    let stderr = q.bool("stderr");
    if !stdout && !stderr {
        return Err(ApiError::invalid(
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let tail = match q.get("tail") {
        None | Some("") | Some("all") => None,
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n as usize),
            _ => None,
        },
    };
    let opts = LogsOptions {
        stdout,
        stderr,
        follow: q.bool("follow"),
        timestamps: q.bool("timestamps"),
        tail,
        since: parse_unix_time(q.get("since"))?,
        until: parse_unix_time(q.get("until"))?,
    };
    let stream = b.logs(&id, opts).await?;
    Ok(Response::new(Body::from_stream(stream)))
}

/// `since`/`until`: Unix seconds with optional fraction (`1795336984.123456789`); `0` = unset.
fn parse_unix_time(v: Option<&str>) -> ApiResult<Option<f64>> {
    match v {
        None | Some("") | Some("0") => Ok(None),
        Some(s) => s
            .parse::<f64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("invalid value for time: {s}"))),
    }
}
