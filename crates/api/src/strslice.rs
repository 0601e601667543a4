//! Docker's `strslice.StrSlice`: `Cmd` and `Entrypoint` accept a JSON string or an array of strings.

use serde::{Deserialize, Deserializer};

/// Deserializes `null`, `"a b"` (one element) or `["a","b"]` into `Option<Vec<String>>`.
pub fn deserialize<'de, D>(d: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(vec![s]),
        Some(OneOrMany::Many(v)) => Some(v),
    })
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "super::deserialize")]
        cmd: Option<Vec<String>>,
    }

    #[test]
    fn accepts_string_array_and_null() {
        let t: T = serde_json::from_str(r#"{"cmd":"echo hi"}"#).unwrap();
        assert_eq!(t.cmd, Some(vec!["echo hi".to_string()]));
        let t: T = serde_json::from_str(r#"{"cmd":["a","b"]}"#).unwrap();
        assert_eq!(t.cmd, Some(vec!["a".to_string(), "b".to_string()]));
        let t: T = serde_json::from_str(r#"{"cmd":null}"#).unwrap();
        assert_eq!(t.cmd, None);
        let t: T = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(t.cmd, None);
    }
}
