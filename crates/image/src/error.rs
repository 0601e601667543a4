//! The image crate's error type. Messages follow dockerd's wording because the CLI shows them as is.

use errdefs::{ErrorKind, HasKind};

/// Everything that can go wrong in the image store, the reference parser and the layer applier.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A name that is not a valid reference (`invalid reference format...`).
    #[error("{0}")]
    InvalidReference(String),
    /// No image matches the name or id; the message is dockerd's `No such image: busybox:latest`.
    #[error("No such image: {0}")]
    NotFound(String),
    /// The operation conflicts with the image's tags or users (rmi without force).
    #[error("{0}")]
    Conflict(String),
    /// A malformed argument (bad `--change`, bad archive, unsupported compression).
    #[error("{0}")]
    InvalidArgument(String),
    /// A layer entry would be written outside the layer root.
    #[error("invalid layer entry {path:?}: {reason}")]
    Breakout { path: String, reason: String },
    /// Something berth cannot do (yet), e.g. export a layer whose original stream was not kept.
    #[error("{0}")]
    NotImplemented(String),
    /// On-disk metadata that does not parse.
    #[error("corrupt image store: {0}")]
    Corrupt(String),
    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ImageError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ImageError::Io {
            context: context.into(),
            source,
        }
    }
}

impl HasKind for ImageError {
    fn kind(&self) -> ErrorKind {
        match self {
            ImageError::InvalidReference(_)
            | ImageError::InvalidArgument(_)
            | ImageError::Breakout { .. } => ErrorKind::InvalidArgument,
            ImageError::NotFound(_) => ErrorKind::NotFound,
            ImageError::Conflict(_) => ErrorKind::Conflict,
            ImageError::NotImplemented(_) => ErrorKind::NotImplemented,
            ImageError::Corrupt(_) | ImageError::Io { .. } => ErrorKind::Internal,
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
