//! `GET /containers/{id}/stats`: dockerd's `StatsJSON` from cgroup samples, one document per
//! line, every second when streaming; `stream=0` takes two samples a second apart (so
//! `precpu_stats` is filled and the CLI can compute a CPU %), `one-shot=1` only one.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use cgroups::{BlkioEntry, CgroupSample};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::engine::Engine;
use crate::error::Result;
use crate::logs::LogStream;

const INTERVAL: Duration = Duration::from_secs(1);
/// Linux USER_HZ: /proc/stat counts 1/100 s.
const TICK_NS: u64 = 10_000_000;

/// One host + cgroup reading.
#[derive(Debug, Clone, Default)]
struct Reading {
    read: String,
    cgroup: CgroupSample,
    system_cpu_ns: u64,
    online_cpus: u64,
}

/// The `cpu` line of /proc/stat (user..softirq, as dockerd sums them) in ns, and the CPU count.
fn host_cpu() -> (u64, u64) {
    let Ok(text) = std::fs::read_to_string("/proc/stat") else {
        return (0, 0);
    };
    let mut total = 0;
    let mut cpus = 0;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        match it.next() {
            Some("cpu") => {
                total = it
                    .take(7)
                    .filter_map(|v| v.parse::<u64>().ok())
                    .sum::<u64>()
                    * TICK_NS;
            }
            Some(c) if c.starts_with("cpu") => cpus += 1,
            _ => {}
        }
    }
    (total, cpus)
}

/// MemTotal from /proc/meminfo in bytes: the limit shown for a container without one.
fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

async fn take_reading(cgroups_path: String) -> Reading {
    tokio::task::spawn_blocking(move || {
        let cgroup = cgroups::sample(&PathBuf::from(&cgroups_path)).unwrap_or_default();
        let (system_cpu_ns, online_cpus) = host_cpu();
        Reading {
            read: crate::human::now_rfc3339(),
            cgroup,
            system_cpu_ns,
            online_cpus,
        }
    })
    .await
    .unwrap_or_default()
}

fn cpu_json(r: Option<&Reading>) -> Value {
    let Some(r) = r else {
        return json!({"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}});
    };
    let c = &r.cgroup;
    let mut usage = json!({
        "total_usage": c.cpu_total_ns,
        "usage_in_kernelmode": c.cpu_system_ns,
        "usage_in_usermode": c.cpu_user_ns,
    });
    if !c.cpu_percpu_ns.is_empty() {
        usage["percpu_usage"] = json!(c.cpu_percpu_ns);
    }
    json!({
        "cpu_usage": usage,
        "system_cpu_usage": r.system_cpu_ns,
        "online_cpus": r.online_cpus,
        "throttling_data": {
            "periods": c.throttle_periods,
            "throttled_periods": c.throttled_periods,
            "throttled_time": c.throttled_time_ns,
        },
    })
}

/// dockerd's StatsJSON for `now` with `pre` as the previous reading.
fn stats_json(name: &str, id: &str, now: &Reading, pre: Option<&Reading>, host_mem: u64) -> Value {
    let c = &now.cgroup;
    let limit = match c.memory_limit {
        Some(l) if host_mem == 0 || l < host_mem => l,
        _ => host_mem,
    };
    let mut memory = json!({
        "usage": c.memory_usage,
        "stats": c.memory_stat,
        "limit": limit,
    });
    if !c.v2 {
        memory["max_usage"] = json!(c.memory_max_usage);
    }
    let mut pids = json!({"current": c.pids_current});
    if let Some(l) = c.pids_limit {
        pids["limit"] = json!(l);
    }
    // v1 sends [] for files with nothing in them; v2 has only what io.stat gives (as dockerd).
    let blkio_v1 = || json!([]);
    let entries = |list: &[BlkioEntry]| -> Value {
        if c.v2 && list.is_empty() {
            return Value::Null;
        }
        list.iter()
            .map(|e| json!({"major": e.major, "minor": e.minor, "op": e.op, "value": e.value}))
            .collect()
    };
    json!({
        "read": now.read,
        "preread": pre.map(|p| p.read.clone()).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
        "pids_stats": pids,
        "blkio_stats": {
            "io_service_bytes_recursive": entries(&c.blkio_service_bytes),
            "io_serviced_recursive": entries(&c.blkio_serviced),
            "io_queue_recursive": if c.v2 { Value::Null } else { blkio_v1() },
            "io_service_time_recursive": if c.v2 { Value::Null } else { blkio_v1() },
            "io_wait_time_recursive": if c.v2 { Value::Null } else { blkio_v1() },
            "io_merged_recursive": if c.v2 { Value::Null } else { blkio_v1() },
            "io_time_recursive": if c.v2 { Value::Null } else { blkio_v1() },
            "sectors_recursive": if c.v2 { Value::Null } else { blkio_v1() },
        },
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": cpu_json(Some(now)),
        "precpu_stats": cpu_json(pre),
        "memory_stats": memory,
        "name": name,
        "id": id,
    })
}

/// The document dockerd sends for a container that is not running: everything zero.
fn stopped_json(name: &str, id: &str) -> Value {
    json!({
        "read": "0001-01-01T00:00:00Z",
        "preread": "0001-01-01T00:00:00Z",
        "pids_stats": {},
        "blkio_stats": {
            "io_service_bytes_recursive": null, "io_serviced_recursive": null,
            "io_queue_recursive": null, "io_service_time_recursive": null,
            "io_wait_time_recursive": null, "io_merged_recursive": null,
            "io_time_recursive": null, "sectors_recursive": null,
        },
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": cpu_json(None),
        "precpu_stats": cpu_json(None),
        "memory_stats": {},
        "name": name,
        "id": id,
    })
}

fn line(v: &Value) -> Bytes {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    Bytes::from(b)
}

impl Engine {
    /// `GET /containers/{id}/stats?stream=&one-shot=`.
    pub async fn container_stats(
        &self,
        name: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<LogStream> {
        let h = self.inner.registry.resolve(name)?;
        let (cname, cgroups_path) = {
            let entry = h.entry.lock().await;
            (entry.record.name.clone(), entry.record.cgroups_path.clone())
        };
        let id = h.id.clone();
        let (tx, rx) = mpsc::channel::<std::result::Result<Bytes, std::io::Error>>(2);
        let mut status = h.status.subscribe();
        tokio::spawn(async move {
            let host_mem = host_memory();
            if !status.borrow().running {
                let _ = tx.send(Ok(line(&stopped_json(&cname, &id)))).await;
                return;
            }
            let mut pre: Option<Reading> = None;
            if !stream && !one_shot {
                // Like dockerd: a first sample, then the reported one a second later.
                pre = Some(take_reading(cgroups_path.clone()).await);
                tokio::select! {
                    _ = tokio::time::sleep(INTERVAL) => {}
                    _ = tx.closed() => return,
                }
            }
            loop {
                let now = take_reading(cgroups_path.clone()).await;
                let doc = if status.borrow().running {
                    stats_json(&cname, &id, &now, pre.as_ref(), host_mem)
                } else {
                    stopped_json(&cname, &id)
                };
                if tx.send(Ok(line(&doc))).await.is_err() || !stream {
                    return;
                }
                if !status.borrow().running {
                    return;
                }
                pre = Some(now);
                tokio::select! {
                    _ = tokio::time::sleep(INTERVAL) => {}
                    _ = tx.closed() => return,
                    _ = status.wait_for(|s| !s.running) => {}
                }
            }
        });
        let out =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|v| (v, rx)) },
            );
        Ok(Box::pin(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_readings_are_plausible() {
        let (total, cpus) = host_cpu();
        assert!(total > 0 && cpus > 0);
        assert!(host_memory() > 1 << 20);
    }

    #[test]
    fn unlimited_memory_shows_host_memory() {
        let r = Reading {
            read: "t".into(),
            cgroup: CgroupSample {
                memory_usage: 10,
                memory_limit: None,
                pids_current: 2,
                ..Default::default()
            },
            system_cpu_ns: 5,
            online_cpus: 2,
        };
        let v = stats_json("/x", "id", &r, None, 1000);
        assert_eq!(v["memory_stats"]["limit"], 1000);
        assert_eq!(v["pids_stats"]["current"], 2);
        assert_eq!(v["precpu_stats"]["cpu_usage"]["total_usage"], 0);
        assert_eq!(v["cpu_stats"]["online_cpus"], 2);
        assert_eq!(v["name"], "/x");
        assert_eq!(v["blkio_stats"]["io_service_bytes_recursive"], json!([]));
    }

    #[test]
    fn blkio_entries_are_dockerds() {
        let entry = |op: &str, value| BlkioEntry {
            major: 8,
            minor: 0,
            op: op.into(),
            value,
        };
        let mut r = Reading {
            read: "t".into(),
            cgroup: CgroupSample {
                blkio_service_bytes: vec![entry("Read", 4096), entry("Write", 8192)],
                ..Default::default()
            },
            system_cpu_ns: 5,
            online_cpus: 2,
        };
        let v = stats_json("/x", "id", &r, None, 1000);
        assert_eq!(
            v["blkio_stats"]["io_service_bytes_recursive"][1],
            json!({"major": 8, "minor": 0, "op": "Write", "value": 8192})
        );
        r.cgroup.v2 = true;
        let v = stats_json("/x", "id", &r, None, 1000);
        assert_eq!(v["blkio_stats"]["io_serviced_recursive"], Value::Null);
        assert_eq!(
            v["blkio_stats"]["io_service_bytes_recursive"][0]["value"],
            4096
        );
    }
}
