//! `/v1.NN/...` → `/...`, refusing versions newer than the one berth speaks.

use crate::error::ApiError;

/// Splits an optional `/vX.Y` prefix off `path`: returns the remaining path and the version.
/// A version newer than [`api::API_VERSION`] or older than [`api::MIN_API_VERSION`] is an error.
pub fn strip_version(path: &str) -> Result<(String, Option<String>), ApiError> {
    let rest = match path.strip_prefix("/v") {
        Some(r) => r,
        None => return Ok((path.to_string(), None)),
    };
    let (version, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Ok((path.to_string(), None));
    }
    if api::version::is_too_new(version) {
        return Err(ApiError::invalid(format!(
            "client version {version} is too new. Maximum supported API version is {}",
            api::API_VERSION
        )));
    }
    if let (Some(v), Some(min)) = (
        api::version::parse_api_version(version),
        api::version::parse_api_version(api::MIN_API_VERSION),
    ) {
        if v < min {
            return Err(ApiError::invalid(format!(
                "client version {version} is too old. Minimum supported API version is {}, please upgrade your client to a newer version",
                api::MIN_API_VERSION
            )));
        }
    }
    let tail = if tail.is_empty() { "/" } else { tail };
    Ok((tail.to_string(), Some(version.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_known_versions() {
        assert_eq!(
            strip_version("/v1.41/containers/json").unwrap(),
            ("/containers/json".into(), Some("1.41".into()))
        );
        assert_eq!(strip_version("/v1.24/_ping").unwrap().0, "/_ping");
        assert_eq!(
            strip_version("/version").unwrap(),
            ("/version".into(), None)
        );
        assert_eq!(
            strip_version("/volumes").unwrap(),
            ("/volumes".into(), None)
        );
    }

    #[test]
    fn refuses_too_new_and_too_old() {
        let e = strip_version("/v1.99/version").unwrap_err();
        assert_eq!(
            e.message,
            "client version 1.99 is too new. Maximum supported API version is 1.41"
        );
        assert_eq!(e.kind, errdefs::ErrorKind::InvalidArgument);
        assert!(strip_version("/v1.50/containers/create").is_err());
        assert!(strip_version("/v1.11/version")
            .unwrap_err()
            .message
            .contains("too old"));
    }
}
