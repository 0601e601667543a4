//! `POST /containers/prune?filters=`: removes every stopped container matching `until` and
//! `label` / `label!`.

use api::Filters;
use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContainersPruneReport {
    #[serde(rename = "ContainersDeleted")]
    pub containers_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

/// `until`: a unix timestamp (with fraction), an RFC 3339 time, or a Go duration such as `10m`
/// or `1h30m` counted back from now. Returns unix seconds.
pub fn parse_until(value: &str, now: f64) -> Result<f64> {
    if let Ok(t) = value.parse::<f64>() {
        return Ok(t);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9);
    }
    let mut total = 0.0;
    let mut num = String::new();
    let bad = || EngineError::InvalidArgument(format!("invalid value for until: {value}"));
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() || total == 0.0 && value != "0s" {
        return Err(bad());
    }
    Ok(now - total)
}

fn created_unix(created: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(created)
        .map(|t| t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9)
        .unwrap_or(0.0)
}

impl Engine {
    pub async fn prune_containers(&self, filters: Filters) -> Result<ContainersPruneReport> {
        filters
            .validate(&["until", "label", "label!"])
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as f64 / 1e9;
        let until = match filters.get("until").first() {
            Some(u) => Some(parse_until(u, now)?),
            None => None,
        };
        let mut deleted = Vec::new();
        let mut reclaimed = 0u64;
        for h in self.inner.registry.all() {
            let (selected, upper) = {
                let entry = h.entry.lock().await;
                let r = &entry.record;
                let labels = r.config.labels.clone().unwrap_or_default();
                let not_labels = filters.get("label!");
                let sel = !r.state.running
                    && !entry.removing
                    && until.map(|u| created_unix(&r.created) < u).unwrap_or(true)
                    && filters.match_labels("label", &labels)
                    && (not_labels.is_empty()
                        || !not_labels.iter().any(|want| match want.split_once('=') {
                            Some((k, v)) => labels.get(k).map(|x| x == v).unwrap_or(false),
                            None => labels.contains_key(*want),
                        }));
                (sel, self.paths().container_dir(&h.id).join("upper"))
            };
            if !selected {
                continue;
            }
            let size = tokio::task::spawn_blocking(move || dir_size(&upper))
                .await
                .unwrap_or(0);
            match self.remove_handle(&h, false).await {
                Ok(()) => {
                    deleted.push(h.id.clone());
                    reclaimed += size;
                }
                Err(e) => tracing::debug!("prune {}: {e}", h.id),
            }
        }
        self.inner.events.publish(
            "container",
            "prune",
            "",
            [("reclaimed".to_string(), reclaimed.to_string())].into(),
        );
        Ok(ContainersPruneReport {
            containers_deleted: (!deleted.is_empty()).then_some(deleted),
            space_reclaimed: reclaimed,
        })
    }
}

/// Bytes of regular files below `dir` (not following symlinks).
pub(crate) fn dir_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(md) = e.path().symlink_metadata() else {
                continue;
            };
            if md.is_dir() {
                stack.push(e.path());
            } else if md.is_file() {
                total += md.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_forms() {
        assert_eq!(parse_until("100.5", 0.0).unwrap(), 100.5);
        assert_eq!(parse_until("10m", 1000.0).unwrap(), 400.0);
        assert_eq!(parse_until("1h30m", 10000.0).unwrap(), 10000.0 - 5400.0);
        assert_eq!(parse_until("1970-01-01T00:01:00Z", 0.0).unwrap(), 60.0);
        assert!(parse_until("soon", 0.0).is_err());
        assert!(parse_until("10", 0.0).is_ok());
        assert!(parse_until("10x", 0.0).is_err());
    }
}
