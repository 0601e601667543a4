//! Errors of the Engine API client.

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The daemon socket could not be reached.
    #[error("Cannot connect to the berth daemon at {host}. Is the berth daemon running?")]
    Connect {
        host: String,
        #[source]
        source: std::io::Error,
    },
    /// `-H`/`BERTH_HOST`/`DOCKER_HOST` named something other than `unix://`.
    #[error("unsupported daemon host {0:?}: only unix:// sockets are supported")]
    UnsupportedHost(String),
    /// The daemon answered with a non-2xx status; `message` comes from its `{"message"}` body.
    #[error("Error response from daemon: {message}")]
    Api { status: u16, message: String },
    /// An attach/exec request was not answered with `101 Switching Protocols`.
    #[error("unable to upgrade to tcp, received {0}")]
    UpgradeRefused(u16),
    /// HTTP protocol failure.
    #[error("error during connect: {0}")]
    Http(#[from] hyper::Error),
    /// A response body was not the JSON we expected.
    #[error("error decoding daemon response: {0}")]
    Decode(#[from] serde_json::Error),
    /// Local I/O failure (reading a file to upload, writing a stream).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A request could not be built (bad characters in a path or header).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl ClientError {
    /// The HTTP status of a daemon error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The daemon's message without the `Error response from daemon: ` prefix.
    pub fn daemon_message(&self) -> Option<&str> {
        match self {
            ClientError::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

impl HasKind for ClientError {
    fn kind(&self) -> ErrorKind {
        match self {
            ClientError::Api { status, .. } => match status {
                304 => ErrorKind::NotModified,
                400 => ErrorKind::InvalidArgument,
                403 => ErrorKind::Forbidden,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                501 => ErrorKind::NotImplemented,
                503 => ErrorKind::Unavailable,
                _ => ErrorKind::Internal,
            },
            ClientError::Connect { .. } => ErrorKind::Unavailable,
            ClientError::UnsupportedHost(_) | ClientError::InvalidRequest(_) => {
                ErrorKind::InvalidArgument
            }
            _ => ErrorKind::Internal,
        }
    }
}
