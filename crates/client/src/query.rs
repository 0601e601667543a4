//! Query strings encoded the way the docker CLI does (`a=1&b=x%2Fy`, repeated keys allowed).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters left unescaped, as Go's `url.QueryEscape` does (space becomes `+` there; we use %20,
/// which every server decodes the same way).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An ordered list of query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn new() -> Query {
        Query::default()
    }

    /// Appends `key=value` (keys may repeat, e.g. `changes`).
    pub fn push(mut self, key: &str, value: impl Into<String>) -> Query {
        self.pairs.push((key.to_string(), value.into()));
        self
    }

    /// Appends `key=1` when `flag` is set; docker omits false booleans.
    pub fn flag(self, key: &str, flag: bool) -> Query {
        if flag {
            self.push(key, "1")
        } else {
            self
        }
    }

    /// Appends `key=value` when a value is given.
    pub fn opt(self, key: &str, value: Option<impl Into<String>>) -> Query {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The encoded string without the leading `?`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.extend(utf8_percent_encode(k, QUERY_VALUE));
            out.push('=');
            out.extend(utf8_percent_encode(v, QUERY_VALUE));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_docker_cli() {
        let q = Query::new()
            .flag("all", true)
            .flag("size", false)
            .push("filters", r#"{"label":{"app=demo":true}}"#)
            .opt("since", None::<String>);
        assert_eq!(
            q.encode(),
            "all=1&filters=%7B%22label%22%3A%7B%22app%3Ddemo%22%3Atrue%7D%7D"
        );
    }

    #[test]
    fn repeated_keys_and_slashes() {
        let q = Query::new()
            .push("fromImage", "docker.io/library/x")
            .push("changes", "CMD a")
            .push("changes", "ENV b=c");
        assert_eq!(
            q.encode(),
            "fromImage=docker.io%2Flibrary%2Fx&changes=CMD%20a&changes=ENV%20b%3Dc"
        );
    }
}
