//! `HostConfig.LogConfig` → the shim's log flags (docs/architecture.md, "Log rotation"):
//! `json-file` with `max-size` / `max-file` (rotation on by default, 10 MiB × 3) or `none`.

use api::{HostConfig, LogConfig};

use crate::engine::LogDefaults;
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

/// Fills a container's empty `LogConfig.Type` from the daemon's defaults, as dockerd does: the
/// container's own options win, and the daemon's options apply only when the driver is the
/// daemon's (a `none` default's options mean nothing to json-file, and vice versa).
pub fn apply_defaults(lc: &mut LogConfig, defaults: &LogDefaults) {
    if lc.kind.is_empty() {
        lc.kind = if defaults.driver.is_empty() {
            "json-file".into()
        } else {
            defaults.driver.clone()
        };
    }
    if lc.kind == defaults.driver {
        for (k, v) in &defaults.opts {
            lc.config.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// Checks the daemon's default log config with the same rules a container's passes at create.
pub fn validate_defaults(defaults: &LogDefaults) -> Result<()> {
    let mut hc = HostConfig::default();
    apply_defaults(&mut hc.log_config, defaults);
    shim_log_args(&hc).map(|_| ())
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

    fn defaults(driver: &str, opts: &[(&str, &str)]) -> LogDefaults {
        LogDefaults {
            driver: driver.into(),
            opts: opts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn daemon_defaults_fill_only_what_the_container_left_empty() {
        let d = defaults("json-file", &[("max-size", "1k"), ("max-file", "2")]);
        let mut h = hc("", &[("max-file", "5")]);
        apply_defaults(&mut h.log_config, &d);
        assert_eq!(h.log_config.kind, "json-file");
        assert_eq!(h.log_config.config["max-size"], "1k");
        assert_eq!(h.log_config.config["max-file"], "5");

        // Another driver on the container: the daemon's json-file options do not leak into it.
        let mut h = hc("none", &[]);
        apply_defaults(&mut h.log_config, &d);
        assert!(h.log_config.config.is_empty());

        let mut h = hc("", &[]);
        apply_defaults(&mut h.log_config, &defaults("none", &[]));
        assert_eq!(shim_log_args(&h).unwrap(), vec!["--log-driver", "none"]);

        assert!(validate_defaults(&d).is_ok());
        assert!(validate_defaults(&defaults("syslog", &[])).is_err());
        assert!(validate_defaults(&defaults("json-file", &[("bogus", "1")])).is_err());
    }
}
