//! Errors of network operations, with dockerd's wording and status classes.

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum NetworkOpError {
    /// `network x not found` (404).
    #[error("network {0} not found")]
    NotFound(String),
    /// A driver berth does not have (dockerd looks for a plugin of that name).
    #[error("plugin \"{0}\" not found")]
    NotFoundPlugin(String),
    /// Removal of `bridge`, `host` or `none` (403).
    #[error("{0} is a pre-defined network and cannot be removed")]
    Predefined(String),
    /// Forbidden operations with dockerd's message (rm with active endpoints).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidArgument(String),
    /// The kernel side (netlink, nftables, proxies, DNS).
    #[error(transparent)]
    Kernel(#[from] network::NetworkError),
}

impl HasKind for NetworkOpError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetworkOpError::NotFound(_) | NetworkOpError::NotFoundPlugin(_) => ErrorKind::NotFound,
            NetworkOpError::Predefined(_) | NetworkOpError::Forbidden(_) => ErrorKind::Forbidden,
            NetworkOpError::Conflict(_) => ErrorKind::Conflict,
            NetworkOpError::InvalidArgument(_) => ErrorKind::InvalidArgument,
            NetworkOpError::Kernel(e) => e.kind(),
        }
    }
}
