//! The shim socket protocol: one JSON line request per connection, one JSON line answer.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request {
    Start,
    Kill {
        signal: i32,
        #[serde(default)]
        all: bool,
    },
    State,
    Wait,
    /// Window size of a TTY container.
    Resize {
        width: u16,
        height: u16,
    },
    Attach {
        #[serde(default)]
        stdin: bool,
        #[serde(default)]
        stdout: bool,
        #[serde(default)]
        stderr: bool,
    },
}

/// How the init ended; also the content of `exit.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitInfo {
    /// The exit status, or 128+signal when the init was killed by a signal.
    pub exit_code: i32,
    pub signal: Option<i32>,
    pub oom_killed: bool,
    /// RFC 3339 with nanoseconds, UTC.
    pub finished_at: String,
    /// Why the container never ran its program (e.g. the start error), if so.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Stopped,
}

pub fn ok() -> serde_json::Value {
    serde_json::json!({"ok": true})
}

pub fn error(message: impl std::fmt::Display) -> serde_json::Value {
    serde_json::json!({"ok": false, "error": message.to_string()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_from_contract_json() {
        let r: Request = serde_json::from_str(r#"{"op":"kill","signal":9}"#).unwrap();
        assert_eq!(
            r,
            Request::Kill {
                signal: 9,
                all: false
            }
        );
        let r: Request = serde_json::from_str(r#"{"op":"attach","stdout":true}"#).unwrap();
        assert_eq!(
            r,
            Request::Attach {
                stdin: false,
                stdout: true,
                stderr: false
            }
        );
        assert!(serde_json::from_str::<Request>(r#"{"op":"bogus"}"#).is_err());
    }
}
