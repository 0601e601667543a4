//! The `filters` query parameter: `{"key":{"value":true}}` (or the pre-1.22 `{"key":["value"]}`).

use std::collections::{BTreeMap, BTreeSet};

use errdefs::{ErrorKind, HasKind};

/// A parsed filter set: key → accepted values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    map: BTreeMap<String, BTreeSet<String>>,
}

/// A `filters` value that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("invalid filter: {0}")]
    Json(String),
    #[error("Invalid filter '{0}'")]
    UnknownKey(String),
    #[error("{0}")]
    InvalidValue(String),
}

impl HasKind for FilterError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidArgument
    }
}

impl Filters {
    pub fn new() -> Self {
        Filters::default()
    }

    /// Parses the JSON of a `filters` query value; an empty string is an empty set.
    pub fn parse(json: &str) -> Result<Filters, FilterError> {
        if json.trim().is_empty() {
            return Ok(Filters::new());
        }
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| FilterError::Json(e.to_string()))?;
        let obj = value
            .as_object()
            .ok_or_else(|| FilterError::Json("expected a JSON object".into()))?;
        let mut f = Filters::new();
        for (key, values) in obj {
            let set = f.map.entry(key.clone()).or_default();
            match values {
                serde_json::Value::Object(m) => {
                    for (v, enabled) in m {
                        if enabled.as_bool().unwrap_or(false) {
                            set.insert(v.clone());
                        }
                    }
                }
                serde_json::Value::Array(a) => {
                    for v in a {
                        let v = v.as_str().ok_or_else(|| {
                            FilterError::Json(format!("filter values of '{key}' must be strings"))
                        })?;
                        set.insert(v.to_string());
                    }
                }
                _ => {
                    return Err(FilterError::Json(format!(
                        "filter '{key}' must be an object or an array"
                    )))
                }
            }
        }
        Ok(f)
    }

    /// Serializes in the current `{"key":{"value":true}}` form.
    pub fn to_json(&self) -> String {
        let m: BTreeMap<&String, BTreeMap<&String, bool>> = self
            .map
            .iter()
            .map(|(k, vs)| (k, vs.iter().map(|v| (v, true)).collect()))
            .collect();
        serde_json::to_string(&m).unwrap_or_else(|_| "{}".into())
    }

    pub fn add(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.map.entry(key.into()).or_default().insert(value.into());
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The values given for `key` (empty when absent).
    pub fn get(&self, key: &str) -> Vec<&str> {
        self.map
            .get(key)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Fails with `Invalid filter 'k'` for a key not in `allowed`.
    pub fn validate(&self, allowed: &[&str]) -> Result<(), FilterError> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(FilterError::UnknownKey(k.clone())),
            None => Ok(()),
        }
    }

    /// True when `key` is absent, or `matches` accepts one of its values.
    pub fn any_matches(&self, key: &str, mut matches: impl FnMut(&str) -> bool) -> bool {
        match self.map.get(key) {
            None => true,
            Some(vals) => vals.iter().any(|v| matches(v)),
        }
    }

    /// The `label` filter: every `k` or `k=v` value must hold in `labels` (dockerd ANDs labels).
    pub fn match_labels(&self, key: &str, labels: &BTreeMap<String, String>) -> bool {
        self.get(key)
            .into_iter()
            .all(|want| match want.split_once('=') {
                Some((k, v)) => labels.get(k).map(|have| have == v).unwrap_or(false),
                None => labels.contains_key(want),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_map_form() {
        let f = Filters::parse(r#"{"status":{"running":true,"exited":true},"label":{"a=b":true}}"#)
            .unwrap();
        assert_eq!(f.get("status"), vec!["exited", "running"]);
        assert_eq!(f.get("label"), vec!["a=b"]);
        assert!(f.get("name").is_empty());
    }

    #[test]
    fn parses_legacy_list_form() {
        let f = Filters::parse(r#"{"name":["web","db"]}"#).unwrap();
        assert_eq!(f.get("name"), vec!["db", "web"]);
    }

    #[test]
    fn empty_and_invalid() {
        assert!(Filters::parse("").unwrap().is_empty());
        assert!(Filters::parse("{bad").is_err());
        assert!(Filters::parse(r#"{"a":1}"#).is_err());
        assert!(Filters::parse("[]").is_err());
    }

    #[test]
    fn validate_names_bad_key() {
        let f = Filters::parse(r#"{"foo":{"bar":true}}"#).unwrap();
        assert_eq!(
            f.validate(&["label"]).unwrap_err().to_string(),
            "Invalid filter 'foo'"
        );
    }

    #[test]
    fn labels_and_round_trip() {
        let mut f = Filters::new();
        f.add("label", "app=demo");
        f.add("label", "tier");
        let labels: BTreeMap<String, String> = [
            ("app".to_string(), "demo".to_string()),
            ("tier".to_string(), "x".to_string()),
        ]
        .into();
        assert!(f.match_labels("label", &labels));
        let other: BTreeMap<String, String> = [("app".to_string(), "other".to_string())].into();
        assert!(!f.match_labels("label", &other));
        assert_eq!(Filters::parse(&f.to_json()).unwrap(), f);
    }
}
