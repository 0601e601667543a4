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
