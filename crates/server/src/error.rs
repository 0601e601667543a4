//! The one place where error kinds become HTTP statuses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use errdefs::{ErrorKind, HasKind};

use crate::response::json_response;

/// An error on its way to the client: a kind (→ status) and Docker's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// Classifies any library error by its kind, keeping its message.
    pub fn from_err<E: HasKind + std::fmt::Display>(e: E) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

impl From<errdefs::Error> for ApiError {
    fn from(e: errdefs::Error) -> Self {
        ApiError {
            kind: e.kind,
            message: e.message,
        }
    }
}

/// The HTTP status of an error kind (moby's `httpstatus.FromError`).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::InvalidArgument => StatusCode::BAD_REQUEST,
        ErrorKind::NotModified => StatusCode::NOT_MODIFIED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(self.kind);
        if status == StatusCode::NOT_MODIFIED {
            return status.into_response();
        }
        json_response(status, &api::ErrorResponse::new(self.message))
    }
}

/// Result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_docker_status() {
        let cases = [
            (ErrorKind::NotFound, 404),
            (ErrorKind::Conflict, 409),
            (ErrorKind::InvalidArgument, 400),
            (ErrorKind::NotModified, 304),
            (ErrorKind::Forbidden, 403),
            (ErrorKind::Unavailable, 503),
            (ErrorKind::NotImplemented, 501),
            (ErrorKind::Internal, 500),
        ];
        for (kind, code) in cases {
            assert_eq!(status_of(kind).as_u16(), code, "{kind}");
        }
    }

    #[test]
    fn not_modified_has_no_body() {
        let r = ApiError::new(ErrorKind::NotModified, "").into_response();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert!(r.headers().get("content-type").is_none());
    }

    #[test]
    fn error_body_is_docker_json() {
        let r = ApiError::not_found("No such container: x").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.headers()["content-type"], "application/json");
    }
}
