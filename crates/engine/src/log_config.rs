//! `HostConfig.LogConfig` → the shim's log flags (docs/architecture.md, "Log rotation"):
//! `json-file` with `max-size` / `max-file` (rotation on by default, 10 MiB × 3) or `none`.

use api::HostConfig;

use crate::error::{EngineError, Result};

/// Rotation when the user sets nothing (the defaults).
pub const DEFAULT_MAX_SIZE: i64 = 10 * 1024 * 1024;
pub const DEFAULT_MAX_FILE: i64 = 3;

/// The json-file options dockerd accepts (berth applies max-size and max-file).
const JSON_FILE_OPTS: &[&str] = &[
    "max-size",
    "max-file",
    "compress",
    "labels",
    "labels-regex",
    "env",
    "env-regex",
    "tag",
    "mode",
    "max-buffer-size",
];

/// A Docker size: `1024`, `10k`, `10m`, `1g` (also `kb`, `mb`, `gb`; case-insensitive).
pub fn parse_size(s: &str) -> Option<i64> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, mult) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1024),
        'm' => (&t[..t.len() - 1], 1024 * 1024),
        'g' => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    let n: f64 = num.trim().parse().ok()?;
    (n >= 0.0).then_some((n * mult as f64) as i64)
}

/// The shim flags for this container's logging; errors are dockerd's create-time messages.
pub fn shim_log_args(hc: &HostConfig) -> Result<Vec<String>> {
    let opts = &hc.log_config.config;
    match hc.log_config.kind.as_str() {
        "" | "json-file" => {}
        "none" => {
            if let Some(k) = opts.keys().next() {
                return Err(EngineError::InvalidArgument(format!(
                    "unknown log opt '{k}' for none log driver"
                )));
            }
            return Ok(vec!["--log-driver".into(), "none".into()]);
        }
        other => {
            return Err(EngineError::InvalidArgument(format!(
                "failed to create logger: logger: no log driver named '{other}' is registered"
            )))
        }
    }
    if let Some(k) = opts.keys().find(|k| !JSON_FILE_OPTS.contains(&k.as_str())) {
        return Err(EngineError::InvalidArgument(format!(
            "unknown log opt '{k}' for json-file log driver"
        )));
    }
    let max_size = match opts.get("max-size") {
        Some(v) => parse_size(v)
            .ok_or_else(|| EngineError::InvalidArgument(format!("invalid size: '{v}'")))?,
        None => DEFAULT_MAX_SIZE,
    };
    let max_file = match opts.get("max-file") {
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                EngineError::InvalidArgument(format!("max-file cannot be less than 1: {v}"))
            })?,
        None => DEFAULT_MAX_FILE,
    };
    if max_file > 1 && max_size <= 0 && opts.contains_key("max-file") {
        return Err(EngineError::InvalidArgument(
            "max-file cannot be set without max-size".into(),
        ));
    }
    Ok(vec![
        "--log-driver".into(),
        "json-file".into(),
        "--log-max-size".into(),
        max_size.to_string(),
        "--log-max-file".into(),
        max_file.to_string(),
    ])
}

/// Whether `logs` can read this container's output.
pub fn readable(hc: &HostConfig) -> bool {
    hc.log_config.kind != "none"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(kind: &str, opts: &[(&str, &str)]) -> HostConfig {
        let mut h = HostConfig::default();
        h.log_config.kind = kind.into();
        for (k, v) in opts {
            h.log_config.config.insert(k.to_string(), v.to_string());
        }
        h
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10m"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("1k"), Some(1024));
        assert_eq!(parse_size("2kb"), Some(2048));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn flags() {
        assert_eq!(
            shim_log_args(&hc("", &[])).unwrap(),
            vec![
                "--log-driver",
                "json-file",
                "--log-max-size",
                "10485760",
                "--log-max-file",
                "3"
            ]
        );
        assert_eq!(
            shim_log_args(&hc("json-file", &[("max-size", "1m"), ("max-file", "2")])).unwrap()[3],
            "1048576"
        );
        assert_eq!(
            shim_log_args(&hc("none", &[])).unwrap(),
            vec!["--log-driver", "none"]
        );
        assert!(shim_log_args(&hc("syslog", &[])).is_err());
        assert!(shim_log_args(&hc("json-file", &[("bogus", "1")])).is_err());
        assert!(shim_log_args(&hc("json-file", &[("max-file", "0")])).is_err());
    }
}
