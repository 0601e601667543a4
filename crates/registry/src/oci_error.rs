//! Translation of oci-client's errors into ours, with Docker's wording where clients show it.

use std::error::Error as _;

use oci_client::errors::{DigestError, OciDistributionError as E, OciErrorCode};

use crate::error::RegistryError;

/// `reference` is the familiar name used in messages; `anonymous` picks the
/// "no basic auth credentials" wording dockerd uses when it had nothing to send.
pub(crate) fn from_oci(e: E, reference: &str, anonymous: bool) -> RegistryError {
    match e {
        E::RegistryError { envelope, url } => {
            let Some(first) = envelope.errors.into_iter().next() else {
                return RegistryError::Registry(format!("{url}: registry error without details"));
            };
            let text = format!("{}: {}", code_words(&first.code), first.message);
            match first.code {
                OciErrorCode::ManifestUnknown => RegistryError::ManifestUnknown {
                    reference: reference.to_string(),
                    message: first.message,
                },
                OciErrorCode::BlobUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound => {
                    RegistryError::NotFound(text)
                }
                OciErrorCode::Unauthorized => unauthorized(&url, anonymous),
                OciErrorCode::Denied => RegistryError::Denied(text),
                _ => RegistryError::Registry(text),
            }
        }
        E::UnauthorizedError { url } => unauthorized(&url, anonymous),
        E::AuthenticationFailure(reason) => {
            RegistryError::Unauthorized(format!("unauthorized: {}", reason.trim()))
        }
        E::ServerError { code, url, message } => match code {
            401 => unauthorized(&url, anonymous),
            403 => RegistryError::Denied(format!("denied: {url}: {}", message.trim())),
            404 => RegistryError::NotFound(format!("{url}: not found")),
            _ => RegistryError::Registry(format!(
                "received unexpected HTTP status: {code} from {url}: {}",
                message.trim()
            )),
        },
        E::DigestError(DigestError::VerificationError { expected, actual }) => {
            RegistryError::DigestMismatch {
                what: reference.to_string(),
                expected,
                actual,
            }
        }
        E::DigestError(d) => RegistryError::Registry(format!("{reference}: {d}")),
        E::RequestError(r) if r.is_connect() || r.is_timeout() => {
            RegistryError::Unreachable(chain(&r))
        }
        E::RequestError(r) => RegistryError::Registry(chain(&r)),
        other => RegistryError::Registry(other.to_string()),
    }
}

fn unauthorized(url: &str, anonymous: bool) -> RegistryError {
    if anonymous {
        RegistryError::Unauthorized(format!("Head \"{url}\": no basic auth credentials"))
    } else {
        RegistryError::Unauthorized(format!(
            "Head \"{url}\": unauthorized: authentication required"
        ))
    }
}

/// `MANIFEST_UNKNOWN` → `manifest unknown`, as distribution's errcode prints codes.
fn code_words(code: &OciErrorCode) -> String {
    let raw = match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{code:?}"),
    };
    raw.to_ascii_lowercase().replace('_', " ")
}

/// An error and its sources, `a: b: c` (reqwest hides the cause of a connect error otherwise).
fn chain(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}
