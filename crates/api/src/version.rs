//! The Engine API versions berth speaks.

/// The newest (and only) API version berth implements; every transcript is recorded at 1.41.
pub const API_VERSION: &str = "1.41";
/// The oldest API version a client may use.
pub const MIN_API_VERSION: &str = "1.12";
/// The version string reported as the engine version (`docker version`, `Server` header).
pub const ENGINE_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "-berth");

/// Parses `"1.41"` into `(1, 41)`; `None` for anything else.
pub fn parse_api_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Whether a client-requested version is newer than [`API_VERSION`].
pub fn is_too_new(v: &str) -> bool {
    match (parse_api_version(v), parse_api_version(API_VERSION)) {
        (Some(requested), Some(max)) => requested > max,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_versions_numerically() {
        assert!(is_too_new("1.50"));
        assert!(is_too_new("1.99"));
        assert!(is_too_new("2.0"));
        assert!(!is_too_new("1.41"));
        assert!(!is_too_new("1.9"));
        assert!(!is_too_new("1.24"));
        assert_eq!(parse_api_version("1.x"), None);
    }
}
