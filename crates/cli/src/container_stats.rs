//! One `docker stats` row from a stats sample: CPU % from cpu_stats/precpu_stats as docker's
//! `calculateCPUPercentUnix`, memory without the page cache as docker 28 (`total_inactive_file`
//! on cgroup v1, `inactive_file` on v2), network and block I/O totals, pids.

use serde_json::{json, Value};

use crate::humanize::{format_g, human_size_with_precision};

/// The numbers of one sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsEntry {
    pub id: String,
    pub name: String,
    pub cpu_percent: f64,
    pub memory: f64,
    pub memory_limit: f64,
    pub memory_percent: f64,
    pub net_rx: f64,
    pub net_tx: f64,
    pub block_read: f64,
    pub block_write: f64,
    pub pids: u64,
}

fn u64_at(v: &Value, path: &[&str]) -> u64 {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return 0,
        }
    }
    cur.as_u64().unwrap_or(0)
}

/// Decodes one sample (the JSON of `GET /containers/{id}/stats`).
pub fn entry_from_sample(sample: &Value) -> StatsEntry {
    let cpu_total = u64_at(sample, &["cpu_stats", "cpu_usage", "total_usage"]) as f64;
    let pre_total = u64_at(sample, &["precpu_stats", "cpu_usage", "total_usage"]) as f64;
    let system = u64_at(sample, &["cpu_stats", "system_cpu_usage"]) as f64;
    let pre_system = u64_at(sample, &["precpu_stats", "system_cpu_usage"]) as f64;
    let mut online = u64_at(sample, &["cpu_stats", "online_cpus"]) as f64;
    if online == 0.0 {
        online = sample
            .pointer("/cpu_stats/cpu_usage/percpu_usage")
            .and_then(Value::as_array)
            .map_or(0.0, |a| a.len() as f64);
    }
    let cpu_delta = cpu_total - pre_total;
    let system_delta = system - pre_system;
    let cpu_percent = if system_delta > 0.0 && cpu_delta > 0.0 {
        (cpu_delta / system_delta) * online * 100.0
    } else {
        0.0
    };

    let usage = u64_at(sample, &["memory_stats", "usage"]);
    let stats = sample.pointer("/memory_stats/stats");
    let stat = |key: &str| stats.and_then(|s| s.get(key)).and_then(Value::as_u64);
    let memory = match (stat("total_inactive_file"), stat("inactive_file")) {
        (Some(v1), _) if v1 < usage => (usage - v1) as f64,
        (None, Some(v2)) if v2 < usage => (usage - v2) as f64,
        _ => usage as f64,
    };
    let memory_limit = u64_at(sample, &["memory_stats", "limit"]) as f64;
    let memory_percent = if memory_limit != 0.0 {
        memory / memory_limit * 100.0
    } else {
        0.0
    };

    let (mut net_rx, mut net_tx) = (0.0, 0.0);
    if let Some(networks) = sample.get("networks").and_then(Value::as_object) {
        for net in networks.values() {
            net_rx += u64_at(net, &["rx_bytes"]) as f64;
            net_tx += u64_at(net, &["tx_bytes"]) as f64;
        }
    }
    let (mut block_read, mut block_write) = (0.0, 0.0);
    if let Some(entries) = sample
        .pointer("/blkio_stats/io_service_bytes_recursive")
        .and_then(Value::as_array)
    {
        for entry in entries {
            let op = entry
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let value = u64_at(entry, &["value"]) as f64;
            match op.as_str() {
                "read" => block_read += value,
                "write" => block_write += value,
                _ => {}
            }
        }
    }
    StatsEntry {
        id: sample
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        name: sample
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string(),
        cpu_percent,
        memory,
        memory_limit,
        memory_percent,
        net_rx,
        net_tx,
        block_read,
        block_write,
        pids: u64_at(sample, &["pids_stats", "current"]),
    }
}

const BINARY_UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/// go-units `BytesSize`: binary units, `%.4g`.
pub fn bytes_size(size: f64) -> String {
    let mut size = size;
    let mut unit = 0;
    while size >= 1024.0 && unit < BINARY_UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{}{}", format_g(size, 4), BINARY_UNITS[unit])
}

impl StatsEntry {
    /// The template fields of docker's stats formatter. `container` is the name the user gave
    /// (or the id when listing).
    pub fn row(&self, container: &str, truncate: bool) -> Value {
        let id = if truncate {
            self.id.chars().take(12).collect()
        } else {
            self.id.clone()
        };
        json!({
            "Container": container,
            "ID": id,
            "Name": if self.name.is_empty() { "--".to_string() } else { self.name.clone() },
            "CPUPerc": format!("{:.2}%", self.cpu_percent),
            "MemUsage": format!("{} / {}", bytes_size(self.memory), bytes_size(self.memory_limit)),
            "MemPerc": format!("{:.2}%", self.memory_percent),
            "NetIO": format!("{} / {}", human_size_with_precision(self.net_rx, 3), human_size_with_precision(self.net_tx, 3)),
            "BlockIO": format!("{} / {}", human_size_with_precision(self.block_read, 3), human_size_with_precision(self.block_write, 3)),
            "PIDs": self.pids.to_string(),
        })
    }
}

/// The default `stats` table.
pub const STATS_TABLE: &str =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/// Column titles of the stats table.
pub fn stats_header(field: &str) -> String {
    match field {
        "ID" => "CONTAINER ID",
        "Container" => "CONTAINER",
        "Name" => "NAME",
        "CPUPerc" => "CPU %",
        "MemUsage" => "MEM USAGE / LIMIT",
        "MemPerc" => "MEM %",
        "NetIO" => "NET I/O",
        "BlockIO" => "BLOCK I/O",
        "PIDs" => "PIDS",
        other => return crate::template::default_header(other),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_percent_like_docker() {
        let sample = json!({
            "id": "712a1f5c6a836ba41e1a8487f1faf1b592d57bc3aad9f751190aa74936866e8b",
            "name": "/statbox",
            "cpu_stats": {"cpu_usage": {"total_usage": 2_000_000u64}, "system_cpu_usage": 1_000_000_000u64, "online_cpus": 4},
            "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000u64}, "system_cpu_usage": 600_000_000u64},
            "memory_stats": {"usage": 1_000_000u64, "limit": 25_275_000_000u64, "stats": {"total_inactive_file": 356_928u64}},
            "pids_stats": {"current": 2},
            "networks": {"eth0": {"rx_bytes": 586, "tx_bytes": 0}},
            "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096}, {"op": "Write", "value": 0}]}
        });
        let entry = entry_from_sample(&sample);
        // (1e6 / 4e8) * 4 * 100 = 1%
        assert!((entry.cpu_percent - 1.0).abs() < 1e-9);
        assert_eq!(entry.memory, 643_072.0);
        let row = entry.row("statbox", true);
        assert_eq!(row["ID"], "712a1f5c6a83");
        assert_eq!(row["Name"], "statbox");
        assert_eq!(row["CPUPerc"], "1.00%");
        assert_eq!(row["MemUsage"], "628KiB / 23.54GiB");
        assert_eq!(row["MemPerc"], "0.00%");
        assert_eq!(row["NetIO"], "586B / 0B");
        assert_eq!(row["BlockIO"], "4.1kB / 0B");
        assert_eq!(row["PIDs"], "2");
    }

    #[test]
    fn cgroup_v2_memory_and_no_previous_sample() {
        let sample = json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 5u64, "percpu_usage": [1, 2]}, "system_cpu_usage": 10u64},
            "precpu_stats": {},
            "memory_stats": {"usage": 2048u64, "limit": 0u64, "stats": {"inactive_file": 1024u64}}
        });
        let entry = entry_from_sample(&sample);
        // precpu zero: the whole usage over the whole system time, times 2 CPUs
        assert!((entry.cpu_percent - 100.0).abs() < 1e-9);
        assert_eq!(entry.memory, 1024.0);
        assert_eq!(entry.memory_percent, 0.0);
        assert_eq!(entry.row("x", true)["Name"], "--");
    }

    #[test]
    fn table_layout() {
        let entry = StatsEntry {
            id: "712a1f5c6a83".into(),
            name: "statbox".into(),
            cpu_percent: 0.97,
            memory: 628.0 * 1024.0,
            memory_limit: 23.54 * 1024.0 * 1024.0 * 1024.0,
            net_rx: 586.0,
            pids: 2,
            ..StatsEntry::default()
        };
        let out = crate::list_format::render_list(
            None,
            STATS_TABLE,
            &[entry.row("statbox", true)],
            &stats_header,
        )
        .unwrap();
        assert_eq!(
            out,
            "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O     BLOCK I/O   PIDS\n\
             712a1f5c6a83   statbox   0.97%     628KiB / 23.54GiB   0.00%     586B / 0B   0B / 0B     2\n"
        );
    }
}
