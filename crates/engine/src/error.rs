//! The engine's error type; each variant has an [`ErrorKind`] the server maps to a status.

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// `No such container: <name as given>`.
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// `No such exec instance: <id>`.
    #[error("No such exec instance: {0}")]
    NoSuchExec(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidArgument(String),
    /// Nothing to do (start of a running container, stop of a stopped one).
    #[error("container already in the requested state")]
    NotModified,
    #[error("{0}")]
    NotImplemented(String),
    /// The container could not be started; the shim's message (`exec: "x": executable file not found in $PATH`).
    #[error("{0}")]
    StartFailed(String),
    #[error(transparent)]
    Image(#[from] image::ImageError),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// A registry operation (pull, push, login) failed; the registry crate's message and kind.
    #[error(transparent)]
    Registry(#[from] registry::RegistryError),
    /// `docker import <URL>` could not start its download; the message and kind dockerd gives.
    #[error(transparent)]
    UrlDownload(#[from] registry::url_download::UrlDownloadError),
    /// A network operation (`/networks`, container endpoints).
    #[error(transparent)]
    Network(#[from] crate::network_error::NetworkOpError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl EngineError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EngineError::Io {
            context: context.into(),
            source,
        }
    }
}

impl HasKind for EngineError {
    fn kind(&self) -> ErrorKind {
        match self {
            EngineError::NoSuchContainer(_) => ErrorKind::NotFound,
            EngineError::NoSuchExec(_) => ErrorKind::NotFound,
            EngineError::Conflict(_) => ErrorKind::Conflict,
            EngineError::InvalidArgument(_) => ErrorKind::InvalidArgument,
            EngineError::NotModified => ErrorKind::NotModified,
            EngineError::NotImplemented(_) => ErrorKind::NotImplemented,
            EngineError::StartFailed(msg) => {
                // dockerd answers 400 for a missing or non-executable binary (the CLI maps it to 127/126).
                if msg.contains("not found")
                    || msg.contains("no such file")
                    || msg.contains("permission denied")
                {
                    ErrorKind::InvalidArgument
                } else {
                    ErrorKind::Internal
                }
            }
            EngineError::Image(e) => e.kind(),
            EngineError::Storage(e) => e.kind(),
            EngineError::Registry(e) => e.kind(),
            EngineError::UrlDownload(e) => e.kind(),
            EngineError::Network(e) => e.kind(),
            EngineError::Io { .. } | EngineError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<EngineError> for errdefs::Error {
    fn from(e: EngineError) -> Self {
        errdefs::Error::new(e.kind(), e.to_string())
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_failures_classify_like_dockerd() {
        let e = EngineError::StartFailed("exec: \"x\": executable file not found in $PATH".into());
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            EngineError::StartFailed("cgroup exploded".into()).kind(),
            ErrorKind::Internal
        );
        assert_eq!(
            EngineError::NoSuchContainer("x".into()).to_string(),
            "No such container: x"
        );
    }
}
