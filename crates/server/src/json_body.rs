//! JSON request bodies checked the way dockerd checks them.

use axum::http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Fails unless the Content-Type is empty or `application/json` (moby `httputils.CheckForJSON`).
pub fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.is_empty() || media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Content-Type specified ({ct}) must be 'application/json'"
        )))
    }
}

/// Parses a JSON body; an empty body is the type's default when `allow_empty`.
pub fn parse_json<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &[u8],
    allow_empty: bool,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if allow_empty {
            return Ok(T::default());
        }
        return Err(ApiError::invalid("invalid JSON: EOF"));
    }
    check_json_content_type(headers)?;
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-type", ct.parse().unwrap());
        h
    }

    #[test]
    fn content_type_rules() {
        assert!(check_json_content_type(&HeaderMap::new()).is_ok());
        assert!(check_json_content_type(&headers("application/json; charset=utf-8")).is_ok());
        let e = check_json_content_type(&headers("text/plain")).unwrap_err();
        assert_eq!(
            e.message,
            "Content-Type specified (text/plain) must be 'application/json'"
        );
    }

    #[test]
    fn bad_json_is_400() {
        let e = parse_json::<api::ContainerCreateBody>(
            &headers("application/json"),
            b"{bad json",
            false,
        )
        .unwrap_err();
        assert_eq!(e.kind, errdefs::ErrorKind::InvalidArgument);
        assert!(e.message.starts_with("invalid JSON: "), "{}", e.message);
    }
}
