//! Query parameters as an ordered list (some, like `changes`, repeat).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;

/// All `key=value` pairs of the query string, in order.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map(QueryParams)
            .map_err(|e| ApiError::invalid(format!("invalid query: {e}")))
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn get_all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A Docker boolean (`1`, `true`, `True`...); absent is false.
    pub fn bool(&self, key: &str) -> bool {
        api::query::parse_bool_opt(self.get(key))
    }

    /// An integer parameter; absent or empty is `None`, garbage is a 400.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(format!("invalid value for {key}: {v}"))),
        }
    }

    /// The `filters` parameter.
    pub fn filters(&self) -> Result<api::Filters, ApiError> {
        api::Filters::parse(self.get("filters").unwrap_or("")).map_err(ApiError::from_err)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        QueryParams::parse(parts.uri.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_bool_params() {
        let q = QueryParams::parse("changes=CMD%20sh&changes=ENV%20A%3D1&force=True&v=False&t=3")
            .unwrap();
        assert_eq!(q.get_all("changes"), vec!["CMD sh", "ENV A=1"]);
        assert!(q.bool("force"));
        assert!(!q.bool("v"));
        assert!(!q.bool("absent"));
        assert_eq!(q.int("t").unwrap(), Some(3));
        assert!(q.int("force").is_err());
    }
}
