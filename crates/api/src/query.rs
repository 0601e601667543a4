//! Query-string conventions of the Engine API.

/// Parses a boolean query value the way dockerd does (`httputils.BoolValue`): `""`, `0`, `no`,
/// `false` and `none` (any case) are false, anything else is true.
pub fn parse_bool(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    !matches!(v.as_str(), "" | "0" | "no" | "false" | "none")
}

/// Like [`parse_bool`] for an optional parameter; absent is false.
pub fn parse_bool_opt(value: Option<&str>) -> bool {
    value.map(parse_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_booleans_like_docker() {
        for f in ["", "0", "no", "false", "FALSE", "None", " no "] {
            assert!(!parse_bool(f), "{f:?} should be false");
        }
        for t in ["1", "true", "True", "yes", "x"] {
            assert!(parse_bool(t), "{t:?} should be true");
        }
        assert!(!parse_bool_opt(None));
        assert!(parse_bool_opt(Some("1")));
    }
}
