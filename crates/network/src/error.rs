use errdefs::{ErrorKind, HasKind};

/// Everything that can go wrong while wiring a network. Messages follow Docker's wording where the CLI shows them.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A malformed or inconsistent subnet, gateway, address or name.
    #[error("{0}")]
    InvalidArgument(String),
    /// A requested address is taken (Docker: "Address already in use").
    #[error("Address already in use")]
    AddressInUse(std::net::Ipv4Addr),
    /// No free address is left in a pool, or no free subnet in the address pools.
    #[error("{0}")]
    Exhausted(String),
    /// A subnet overlaps one already in use.
    #[error("{0}")]
    Overlap(String),
    /// A host port cannot be bound ("Bind for 0.0.0.0:8080 failed: port is already allocated").
    #[error("{0}")]
    PortInUse(String),
    /// Netlink, nft or socket failures.
    #[error("{0}")]
    Internal(String),
}

impl NetworkError {
    pub(crate) fn internal(context: &str, err: impl std::fmt::Display) -> NetworkError {
        NetworkError::Internal(format!("{context}: {err}"))
    }
}

impl HasKind for NetworkError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetworkError::InvalidArgument(_) => ErrorKind::InvalidArgument,
            NetworkError::AddressInUse(_)
            | NetworkError::Exhausted(_)
            | NetworkError::Overlap(_)
            | NetworkError::PortInUse(_) => ErrorKind::Conflict,
            NetworkError::Internal(_) => ErrorKind::Internal,
        }
    }
}
