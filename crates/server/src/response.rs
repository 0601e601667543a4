//! Response helpers: JSON the way Go's encoder writes it (trailing newline), and the headers
//! every dockerd response carries.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

/// `Server` header value; the CLI only reads the other headers.
pub const SERVER_HEADER: &str = concat!("Docker/", env!("CARGO_PKG_VERSION"), "-berth (linux)");

/// A JSON body followed by `\n`, with `Content-Type: application/json`.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut body = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => {
            let fallback = api::ErrorResponse::new(format!("encode response: {e}"));
            return json_response(StatusCode::INTERNAL_SERVER_ERROR, &fallback);
        }
    };
    body.push(b'\n');
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    resp
}

/// A `200` JSON answer.
pub fn json_ok<T: Serialize>(value: &T) -> Response {
    json_response(StatusCode::OK, value)
}

/// An empty answer with a status (`204`, `201`, ...).
pub fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// Adds `Api-Version`, `Ostype`, `Docker-Experimental` and `Server` (hyper adds `Date`).
pub fn add_common_headers(headers: &mut HeaderMap) {
    headers.insert("api-version", HeaderValue::from_static(api::API_VERSION));
    headers.insert("docker-experimental", HeaderValue::from_static("false"));
    headers.insert("ostype", HeaderValue::from_static("linux"));
    headers.insert("server", HeaderValue::from_static(SERVER_HEADER));
}
