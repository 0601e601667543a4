//! The registry client's errors, with the kinds that make the API server answer as dockerd does
//! (404 for an unknown manifest, 500 for a failed login or missing credentials).

use errdefs::{ErrorKind, HasKind};

pub type Result<T> = std::result::Result<T, RegistryError>;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The tag or digest does not exist (`MANIFEST_UNKNOWN`), in Docker's words.
    #[error("manifest for {reference} not found: manifest unknown: {message}")]
    ManifestUnknown { reference: String, message: String },

    /// A blob, repository or other object the registry does not know.
    #[error("{0}")]
    NotFound(String),

    /// `POST /auth` with credentials the registry refused. dockerd answers 500 with this text.
    #[error("login attempt to {url} failed with status: {status}")]
    LoginFailed { url: String, status: String },

    /// The registry wants credentials we do not have, or refused the ones we sent.
    #[error("{0}")]
    Unauthorized(String),

    /// The registry refused the operation for these credentials (`DENIED`).
    #[error("{0}")]
    Denied(String),

    /// A Docker image manifest v2 schema 1, which Docker itself no longer pulls.
    #[error("[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of {reference} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2")]
    Schema1 { reference: String },

    /// A manifest list or index without an entry for the wanted platform.
    #[error("no matching manifest for {platform} in the manifest list entries")]
    NoMatchingPlatform { platform: String },

    /// Bytes that are not a manifest we understand.
    #[error("invalid manifest for {reference}: {reason}")]
    InvalidManifest { reference: String, reason: String },

    /// Content whose digest or size is not the one announced: nothing of it may be kept.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },

    /// The registry cannot be reached (after the bounded retries).
    #[error("{0}")]
    Unreachable(String),

    /// The registry answered with an error we do not classify further.
    #[error("{0}")]
    Registry(String),

    /// A malformed `X-Registry-Auth` header or credential record, or a failing credential
    /// helper: the `credentials` crate's message and kind.
    #[error(transparent)]
    Credentials(#[from] credentials::CredentialsError),

    /// Reading or writing the client configuration (`config.json`, certificates).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl HasKind for RegistryError {
    fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::ManifestUnknown { .. }
            | RegistryError::NotFound(_)
            | RegistryError::NoMatchingPlatform { .. } => ErrorKind::NotFound,
            RegistryError::Denied(_) => ErrorKind::Forbidden,
            RegistryError::Credentials(e) => e.kind(),
            // dockerd answers 500 for a failed login, for a pull without credentials
            // ("no basic auth credentials"), for an unreachable registry and for schema 1.
            RegistryError::LoginFailed { .. }
            | RegistryError::Unauthorized(_)
            | RegistryError::Schema1 { .. }
            | RegistryError::InvalidManifest { .. }
            | RegistryError::DigestMismatch { .. }
            | RegistryError::Unreachable(_)
            | RegistryError::Registry(_)
            | RegistryError::Io(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_errors_keep_their_message_and_kind() {
        // A malformed X-Registry-Auth must stay a 400 with the credentials crate's words.
        let err =
            RegistryError::from(credentials::AuthConfig::from_header("!!!not base64").unwrap_err());
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.to_string()
                .starts_with("invalid registry credentials: bad base64: "),
            "{err}"
        );
        let helper = RegistryError::from(credentials::CredentialsError::CredentialHelper(
            "docker-credential-x get: locked".to_string(),
        ));
        assert_eq!(helper.kind(), ErrorKind::Internal);
        assert_eq!(
            helper.to_string(),
            "error getting credentials - docker-credential-x get: locked"
        );
    }
}
