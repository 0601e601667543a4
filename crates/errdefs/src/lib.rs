//! The error kinds every berth error maps to. Only the API server turns a kind into an HTTP status.

use std::fmt;

/// What went wrong, independent of where. Mirrors moby's `errdefs` classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The object does not exist (404).
    NotFound,
    /// The request conflicts with the object's state (409).
    Conflict,
    /// The request is malformed or names something invalid (400).
    InvalidArgument,
    /// Nothing to do: the object is already in the wanted state (304).
    NotModified,
    /// The operation is refused (403).
    Forbidden,
    /// A dependency (registry, kernel feature) is unavailable (503).
    Unavailable,
    /// The feature does not exist in berth yet (501).
    NotImplemented,
    /// Anything else (500).
    Internal,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::NotModified => "not modified",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::NotImplemented => "not implemented",
            ErrorKind::Internal => "internal",
        };
        f.write_str(s)
    }
}

/// Implemented by every library error so callers can classify it without knowing its type.
pub trait HasKind {
    fn kind(&self) -> ErrorKind;
}

/// A plain error carrying a kind and a Docker-style message, for code that only needs to report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn not_modified() -> Self {
        Self::new(ErrorKind::NotModified, "")
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl HasKind for Error {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_keeps_kind_and_message() {
        let e = Error::not_found("No such container: x");
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.to_string(), "No such container: x");
    }
}
