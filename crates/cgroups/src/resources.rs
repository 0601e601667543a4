//! Limits to apply and statistics to read, independent of the cgroup version.

use serde::{Deserialize, Serialize};

/// Resource limits, in the units of the OCI runtime spec (`linux.resources`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// Memory limit in bytes.
    pub memory_limit: Option<i64>,
    /// Memory + swap limit in bytes (Docker's MemorySwap); -1 means unlimited swap.
    pub memory_swap: Option<i64>,
    /// CFS quota in microseconds per period; -1 means unlimited.
    pub cpu_quota: Option<i64>,
    /// CFS period in microseconds.
    pub cpu_period: Option<u64>,
    /// Relative CPU weight in v1 shares (2..=262144).
    pub cpu_shares: Option<u64>,
    /// Maximum number of tasks; 0 or negative means unlimited.
    pub pids_limit: Option<i64>,
    /// Device access rules, applied in order (empty: leave the inherited rules alone).
    pub devices: Vec<DeviceRule>,
}

/// One device cgroup rule (`linux.resources.devices[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRule {
    pub allow: bool,
    /// `a` (all), `c` (char) or `b` (block).
    pub typ: char,
    /// None: any (`*`).
    pub major: Option<i64>,
    pub minor: Option<i64>,
    /// Some of `r`, `w`, `m`.
    pub access: String,
}

impl DeviceRule {
    /// The v1 `devices.allow`/`devices.deny` line, e.g. `c 1:3 rwm` or `a`.
    pub fn to_v1_line(&self) -> String {
        if self.typ == 'a' {
            return "a".to_owned();
        }
        let num = |n: Option<i64>| {
            n.filter(|n| *n >= 0)
                .map_or("*".to_owned(), |n| n.to_string())
        };
        let access = if self.access.is_empty() {
            "rwm"
        } else {
            self.access.as_str()
        };
        format!(
            "{} {}:{} {}",
            self.typ,
            num(self.major),
            num(self.minor),
            access
        )
    }

    /// The rules Docker gives every container: nothing but mknod in general, and full access to
    /// null, zero, full, random, urandom, tty, console, ptmx, the pts devices and tun.
    pub fn docker_defaults() -> Vec<DeviceRule> {
        let rule = |typ, major, minor, access: &str| DeviceRule {
            allow: true,
            typ,
            major,
            minor,
            access: access.to_owned(),
        };
        vec![
            DeviceRule {
                allow: false,
                typ: 'a',
                major: None,
                minor: None,
                access: "rwm".into(),
            },
            rule('c', None, None, "m"),
            rule('b', None, None, "m"),
            rule('c', Some(1), Some(3), "rwm"),
            rule('c', Some(1), Some(5), "rwm"),
            rule('c', Some(1), Some(7), "rwm"),
            rule('c', Some(1), Some(8), "rwm"),
            rule('c', Some(1), Some(9), "rwm"),
            rule('c', Some(5), Some(0), "rwm"),
            rule('c', Some(5), Some(1), "rwm"),
            rule('c', Some(5), Some(2), "rwm"),
            rule('c', Some(136), None, "rwm"),
            rule('c', Some(10), Some(200), "rwm"),
        ]
    }
}

/// A snapshot of a cgroup's usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub memory_usage: u64,
    /// `None` when unlimited.
    pub memory_limit: Option<u64>,
    /// Total CPU time in nanoseconds.
    pub cpu_usage_ns: u64,
    pub pids_current: u64,
}

/// Converts v1 cpu shares (2..262144) to a v2 cpu.weight (1..10000), the same mapping runc uses.
pub fn cpu_shares_to_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    let shares = shares.clamp(2, 262_144);
    1 + ((shares - 2) * 9999) / 262_142
}
