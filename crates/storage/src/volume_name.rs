//! Names of local volumes: what dockerd's local driver accepts, and names for anonymous volumes.

use crate::error::{Result, StorageError};

/// The characters dockerd allows, as its error message quotes them.
const RESTRICTED_NAME_CHARS: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]";

/// Checks a volume name as dockerd's local driver does: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn validate_volume_name(name: &str) -> Result<()> {
    if name.len() == 1 {
        return Err(StorageError::InvalidArgument(
            "volume name is too short, names should be at least two alphanumeric characters".into(),
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !first_ok || !rest_ok {
        return Err(StorageError::InvalidArgument(format!(
            "{name:?} includes invalid characters for a local volume name, only \
             {RESTRICTED_NAME_CHARS:?} are allowed. If you intended to pass a host directory, use absolute path"
        )));
    }
    Ok(())
}

/// A fresh name for an anonymous volume: 64 hex digits, like a container id.
pub fn anonymous_volume_name() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_docker_names() {
        for n in ["v1", "my_vol.2-x", "0a", &anonymous_volume_name()] {
            validate_volume_name(n).unwrap();
        }
    }

    #[test]
    fn refuses_bad_names_with_dockerds_messages() {
        assert_eq!(
            validate_volume_name("a").unwrap_err().to_string(),
            "volume name is too short, names should be at least two alphanumeric characters"
        );
        assert_eq!(
            validate_volume_name("bad/name").unwrap_err().to_string(),
            r#""bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path"#
        );
        for n in ["", "-x", ".hidden", "..", "a b", "ü1"] {
            assert!(validate_volume_name(n).is_err(), "{n:?} accepted");
        }
    }

    #[test]
    fn anonymous_names_are_64_hex_and_differ() {
        let (a, b) = (anonymous_volume_name(), anonymous_volume_name());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
