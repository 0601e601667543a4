//! Errors of credential handling, with the kinds the API server answers with (400 for a
//! malformed `X-Registry-Auth`, 500 for a failing credential helper).

use errdefs::{ErrorKind, HasKind};

pub type Result<T> = std::result::Result<T, CredentialsError>;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A malformed `X-Registry-Auth` header or credential record.
    #[error("invalid registry credentials: {0}")]
    InvalidCredentials(String),

    /// Running a `docker-credential-*` helper failed.
    #[error("error getting credentials - {0}")]
    CredentialHelper(String),

    /// Reading or writing `config.json`.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl HasKind for CredentialsError {
    fn kind(&self) -> ErrorKind {
        match self {
            CredentialsError::InvalidCredentials(_) => ErrorKind::InvalidArgument,
            CredentialsError::CredentialHelper(_) | CredentialsError::Io(_) => ErrorKind::Internal,
        }
    }
}
