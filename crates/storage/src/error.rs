//! The storage crate's error type.

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The request cannot be served (no lower dirs, a lower dir that does not exist).
    #[error("{0}")]
    InvalidArgument(String),
    /// A volume (or volume driver) that does not exist; the message is dockerd's.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (a volume name taken with another driver).
    #[error("{0}")]
    Conflict(String),
    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl StorageError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::Io {
            context: context.into(),
            source,
        }
    }
}

impl HasKind for StorageError {
    fn kind(&self) -> ErrorKind {
        match self {
            StorageError::InvalidArgument(_) => ErrorKind::InvalidArgument,
            StorageError::NotFound(_) => ErrorKind::NotFound,
            StorageError::Conflict(_) => ErrorKind::Conflict,
            StorageError::Io { .. } => ErrorKind::Internal,
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;
