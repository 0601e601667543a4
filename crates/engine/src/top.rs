//! `GET /containers/{id}/top?ps_args=`: the host's `ps` with the given arguments, rows filtered
//! to the processes of the container's cgroup (as dockerd does).

use std::path::PathBuf;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// `{"Titles":[…],"Processes":[[…]]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopResponse {
    #[serde(rename = "Titles")]
    pub titles: Vec<String>,
    #[serde(rename = "Processes")]
    pub processes: Vec<Vec<String>>,
}

/// Parses `ps` output, keeping rows whose PID column is in `pids`. The last column (the command)
/// keeps its spaces.
pub fn parse_ps(output: &str, pids: &[i32]) -> Result<TopResponse> {
    let mut lines = output.lines();
    let header = lines.next().unwrap_or_default();
    let titles: Vec<String> = header.split_whitespace().map(str::to_string).collect();
    let pid_col = titles
        .iter()
        .position(|t| t == "PID")
        .ok_or_else(|| EngineError::Internal("Couldn't find PID field in ps output".to_string()))?;
    let n = titles.len();
    let mut processes = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let mut fields: Vec<String> = Vec::with_capacity(n);
        let mut rest = line.trim_start();
        while fields.len() + 1 < n {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            fields.push(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
        fields.push(rest.to_string());
        let pid: i32 = fields
            .get(pid_col)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| EngineError::Internal(format!("Unexpected pid in ps output: {line}")))?;
        if pids.contains(&pid) {
            processes.push(fields);
        }
    }
    Ok(TopResponse { titles, processes })
}

impl Engine {
    pub async fn top_container(&self, name: &str, ps_args: &str) -> Result<TopResponse> {
        let h = self.inner.registry.resolve(name)?;
        let cgroups_path = {
            let entry = h.entry.lock().await;
            if !entry.record.state.running {
                return Err(EngineError::Conflict(format!(
                    "Container {} is not running",
                    h.id
                )));
            }
            if entry.record.state.restarting {
                return Err(EngineError::Conflict(format!(
                    "Container {} is restarting, wait until the container is running",
                    h.id
                )));
            }
            entry.record.cgroups_path.clone()
        };
        let args: Vec<String> = match ps_args.trim() {
            "" => vec!["-ef".to_string()],
            a => a.split_whitespace().map(str::to_string).collect(),
        };
        let pids = tokio::task::spawn_blocking(move || {
            cgroups::open(&PathBuf::from(cgroups_path)).and_then(|m| m.pids())
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        let out = tokio::process::Command::new("ps")
            .args(&args)
            .output()
            .await
            .map_err(|e| EngineError::Internal(format!("Error running ps: {e}")))?;
        if !out.status.success() {
            return Err(EngineError::Internal(format!(
                "ps: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        parse_ps(&String::from_utf8_lossy(&out.stdout), &pids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_rows_and_keeps_command_spaces() {
        let out = "UID   PID  PPID  C STIME TTY  TIME     CMD\n\
                   root    1     0  0 10:00 ?    00:00:01 /sbin/init splash\n\
                   root  400     1  0 10:00 ?    00:00:00 sleep 1000\n";
        let top = parse_ps(out, &[400]).unwrap();
        assert_eq!(top.titles.len(), 8);
        assert_eq!(top.processes.len(), 1);
        assert_eq!(top.processes[0][1], "400");
        assert_eq!(top.processes[0][7], "sleep 1000");
    }

    #[test]
    fn missing_pid_column_is_an_error() {
        assert!(parse_ps("USER COMMAND\nroot x\n", &[1]).is_err());
    }
}
