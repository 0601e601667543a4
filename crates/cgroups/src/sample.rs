//! A detailed usage sample of one cgroup for `docker stats`: CPU (total, per CPU, user/system,
//! throttling), memory (usage, peak, limit, `memory.stat`), pids. Read-only, from v1 or v2 files
//! below a cgroupfs root (a fake tree in tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{detect_mode_at, CgroupError, CgroupMode};

/// Kernel USER_HZ: `cpuacct.stat` counts ticks of 1/100 s.
const USER_HZ_NS: u64 = 10_000_000;

/// One reading; absent files leave their field at zero/`None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupSample {
    /// Total CPU time in ns.
    pub cpu_total_ns: u64,
    /// Per-CPU time in ns (v1 only; empty on v2, as dockerd leaves it out).
    pub cpu_percpu_ns: Vec<u64>,
    pub cpu_user_ns: u64,
    pub cpu_system_ns: u64,
    pub throttle_periods: u64,
    pub throttled_periods: u64,
    pub throttled_time_ns: u64,
    pub memory_usage: u64,
    pub memory_max_usage: u64,
    /// `None` when unlimited.
    pub memory_limit: Option<u64>,
    /// `memory.stat`, key → value.
    pub memory_stat: BTreeMap<String, u64>,
    pub pids_current: u64,
    /// `None` when unlimited.
    pub pids_limit: Option<u64>,
    /// Bytes moved per device and operation (v1 `blkio.throttle.io_service_bytes_recursive`,
    /// v2 `io.stat` rbytes/wbytes).
    pub blkio_service_bytes: Vec<BlkioEntry>,
    /// Requests per device and operation (v1 `blkio.throttle.io_serviced_recursive`, v2 rios/wios).
    pub blkio_serviced: Vec<BlkioEntry>,
    pub v2: bool,
}

/// One `blkio_stats` entry as dockerd reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlkioEntry {
    pub major: u64,
    pub minor: u64,
    /// v1: the kernel's `Read`, `Write`, `Sync`, `Async`, `Discard`, `Total`; v2: `read`, `write`.
    pub op: String,
    pub value: u64,
}

/// `major:minor`.
fn parse_device(dev: &str) -> Option<(u64, u64)> {
    let (major, minor) = dev.split_once(':')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// v1 blkio files: `8:0 Read 4096` lines; the closing `Total N` line (no device) is skipped.
pub fn parse_blkio_v1(text: &str) -> Vec<BlkioEntry> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (major, minor) = parse_device(it.next()?)?;
            let op = it.next()?.to_string();
            let value = it.next()?.parse().ok()?;
            Some(BlkioEntry {
                major,
                minor,
                op,
                value,
            })
        })
        .collect()
}

/// v2 `io.stat`: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...` → (bytes, ios) entries with
/// `read`/`write` ops, as dockerd converts them.
pub fn parse_io_stat(text: &str) -> (Vec<BlkioEntry>, Vec<BlkioEntry>) {
    let mut bytes = Vec::new();
    let mut ios = Vec::new();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let Some((major, minor)) = it.next().and_then(parse_device) else {
            continue;
        };
        for field in it {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            let Ok(value) = value.parse() else {
                continue;
            };
            let (list, op) = match key {
                "rbytes" => (&mut bytes, "read"),
                "wbytes" => (&mut bytes, "write"),
                "rios" => (&mut ios, "read"),
                "wios" => (&mut ios, "write"),
                _ => continue,
            };
            list.push(BlkioEntry {
                major,
                minor,
                op: op.into(),
                value,
            });
        }
    }
    (bytes, ios)
}

/// The first of `names` in `dir` that can be read, parsed as a v1 blkio file.
fn read_blkio_v1(dir: &Path, names: &[&str]) -> Vec<BlkioEntry> {
    names
        .iter()
        .find_map(|n| read_opt(&dir.join(n)))
        .map(|t| parse_blkio_v1(&t))
        .unwrap_or_default()
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn read_u64(path: &Path) -> Option<u64> {
    read_opt(path)?.trim().parse().ok()
}

/// `"max"` = unlimited; v1's huge page-aligned "unlimited" values count as unlimited too.
fn read_limit(path: &Path) -> Option<u64> {
    let s = read_opt(path)?;
    let s = s.split_whitespace().next()?;
    if s == "max" {
        return None;
    }
    s.parse::<u64>().ok().filter(|v| *v < (1u64 << 62))
}

/// `key value` lines.
pub fn parse_flat_keyed(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let k = it.next()?;
            let v = it.next()?.parse().ok()?;
            Some((k.to_string(), v))
        })
        .collect()
}

/// Samples the cgroup `cgroup_path` (`/berth/<id>`) below `root` (normally `/sys/fs/cgroup`).
pub fn sample_at(root: &Path, cgroup_path: &Path) -> Result<CgroupSample, CgroupError> {
    let rel = cgroup_path.strip_prefix("/").unwrap_or(cgroup_path);
    match detect_mode_at(root)? {
        CgroupMode::V1 => Ok(sample_v1(root, rel)),
        CgroupMode::V2 => Ok(sample_v2(&root.join(rel))),
    }
}

/// [`sample_at`] on the host's `/sys/fs/cgroup`.
pub fn sample(cgroup_path: &Path) -> Result<CgroupSample, CgroupError> {
    sample_at(Path::new(crate::DEFAULT_ROOT), cgroup_path)
}

fn sample_v1(root: &Path, rel: &Path) -> CgroupSample {
    let dir = |ctrl: &str| -> PathBuf { root.join(ctrl).join(rel) };
    let cpuacct = dir("cpuacct");
    let cpu = dir("cpu");
    let memory = dir("memory");
    let pids = dir("pids");
    let blkio = dir("blkio");
    let mut s = CgroupSample {
        cpu_total_ns: read_u64(&cpuacct.join("cpuacct.usage")).unwrap_or(0),
        cpu_percpu_ns: read_opt(&cpuacct.join("cpuacct.usage_percpu"))
            .map(|t| {
                t.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
        memory_usage: read_u64(&memory.join("memory.usage_in_bytes")).unwrap_or(0),
        memory_max_usage: read_u64(&memory.join("memory.max_usage_in_bytes")).unwrap_or(0),
        memory_limit: read_limit(&memory.join("memory.limit_in_bytes")),
        memory_stat: read_opt(&memory.join("memory.stat"))
            .map(|t| parse_flat_keyed(&t))
            .unwrap_or_default(),
        pids_current: read_u64(&pids.join("pids.current")).unwrap_or(0),
        pids_limit: read_limit(&pids.join("pids.max")),
        // The recursive file also counts nested cgroups; older kernels only have the flat one.
        blkio_service_bytes: read_blkio_v1(
            &blkio,
            &[
                "blkio.throttle.io_service_bytes_recursive",
                "blkio.throttle.io_service_bytes",
            ],
        ),
        blkio_serviced: read_blkio_v1(
            &blkio,
            &[
                "blkio.throttle.io_serviced_recursive",
                "blkio.throttle.io_serviced",
            ],
        ),
        ..Default::default()
    };
    if let Some(t) = read_opt(&cpuacct.join("cpuacct.stat")) {
        let m = parse_flat_keyed(&t);
        s.cpu_user_ns = m.get("user").copied().unwrap_or(0) * USER_HZ_NS;
        s.cpu_system_ns = m.get("system").copied().unwrap_or(0) * USER_HZ_NS;
    }
    if let Some(t) = read_opt(&cpu.join("cpu.stat")) {
        let m = parse_flat_keyed(&t);
        s.throttle_periods = m.get("nr_periods").copied().unwrap_or(0);
        s.throttled_periods = m.get("nr_throttled").copied().unwrap_or(0);
        s.throttled_time_ns = m.get("throttled_time").copied().unwrap_or(0);
    }
    s
}

fn sample_v2(dir: &Path) -> CgroupSample {
    let mut s = CgroupSample {
        v2: true,
        memory_usage: read_u64(&dir.join("memory.current")).unwrap_or(0),
        memory_max_usage: read_u64(&dir.join("memory.peak")).unwrap_or(0),
        memory_limit: read_limit(&dir.join("memory.max")),
        memory_stat: read_opt(&dir.join("memory.stat"))
            .map(|t| parse_flat_keyed(&t))
            .unwrap_or_default(),
        pids_current: read_u64(&dir.join("pids.current")).unwrap_or(0),
        pids_limit: read_limit(&dir.join("pids.max")),
        ..Default::default()
    };
    if let Some(t) = read_opt(&dir.join("cpu.stat")) {
        let m = parse_flat_keyed(&t);
        let us = |k: &str| m.get(k).copied().unwrap_or(0) * 1000;
        s.cpu_total_ns = us("usage_usec");
        s.cpu_user_ns = us("user_usec");
        s.cpu_system_ns = us("system_usec");
        s.throttle_periods = m.get("nr_periods").copied().unwrap_or(0);
        s.throttled_periods = m.get("nr_throttled").copied().unwrap_or(0);
        s.throttled_time_ns = us("throttled_usec");
    }
    if let Some(t) = read_opt(&dir.join("io.stat")) {
        (s.blkio_service_bytes, s.blkio_serviced) = parse_io_stat(&t);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn v2_fake_tree() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(&r.join("cgroup.controllers"), "cpu memory pids\n");
        let d = r.join("berth/c1");
        write(
            &d.join("cpu.stat"),
            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n",
        );
        write(&d.join("memory.current"), "4096\n");
        write(&d.join("memory.peak"), "8192\n");
        write(&d.join("memory.max"), "max\n");
        write(&d.join("memory.stat"), "anon 100\ninactive_file 50\n");
        write(&d.join("pids.current"), "3\n");
        write(&d.join("pids.max"), "64\n");
        write(
            &d.join("io.stat"),
            "8:0 rbytes=4096 wbytes=1048576 rios=1 wios=16 dbytes=0 dios=0\n",
        );
        let s = sample_at(r, Path::new("/berth/c1")).unwrap();
        assert!(s.v2);
        assert_eq!(
            (s.cpu_total_ns, s.cpu_user_ns, s.cpu_system_ns),
            (1_500_000, 1_000_000, 500_000)
        );
        assert_eq!(
            (s.throttle_periods, s.throttled_periods, s.throttled_time_ns),
            (7, 2, 30_000)
        );
        assert_eq!(
            (s.memory_usage, s.memory_max_usage, s.memory_limit),
            (4096, 8192, None)
        );
        assert_eq!(s.memory_stat.get("inactive_file"), Some(&50));
        assert_eq!((s.pids_current, s.pids_limit), (3, Some(64)));
        let entry = |op: &str, value| BlkioEntry {
            major: 8,
            minor: 0,
            op: op.into(),
            value,
        };
        assert_eq!(
            s.blkio_service_bytes,
            vec![entry("read", 4096), entry("write", 1_048_576)]
        );
        assert_eq!(s.blkio_serviced, vec![entry("read", 1), entry("write", 16)]);
    }

    #[test]
    fn v1_fake_tree() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for c in ["cpu", "cpuacct", "memory", "pids"] {
            std::fs::create_dir_all(r.join(c)).unwrap();
        }
        write(&r.join("memory/cgroup.procs"), "");
        write(&r.join("cpuacct/berth/c1/cpuacct.usage"), "300\n");
        write(
            &r.join("cpuacct/berth/c1/cpuacct.usage_percpu"),
            "100 200 \n",
        );
        write(
            &r.join("cpuacct/berth/c1/cpuacct.stat"),
            "user 2\nsystem 1\n",
        );
        write(
            &r.join("cpu/berth/c1/cpu.stat"),
            "nr_periods 4\nnr_throttled 1\nthrottled_time 99\n",
        );
        write(&r.join("memory/berth/c1/memory.usage_in_bytes"), "1000\n");
        write(
            &r.join("memory/berth/c1/memory.max_usage_in_bytes"),
            "2000\n",
        );
        write(
            &r.join("memory/berth/c1/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        write(
            &r.join("memory/berth/c1/memory.stat"),
            "cache 0\nrss 57344\n",
        );
        write(&r.join("pids/berth/c1/pids.current"), "1\n");
        write(&r.join("pids/berth/c1/pids.max"), "max\n");
        write(
            &r.join("blkio/berth/c1/blkio.throttle.io_service_bytes_recursive"),
            "8:0 Read 8192\n8:0 Write 2097152\n8:0 Sync 0\n8:0 Async 2105344\n8:0 Discard 0\n8:0 Total 2105344\nTotal 2105344\n",
        );
        // Only the flat file: older kernels.
        write(
            &r.join("blkio/berth/c1/blkio.throttle.io_serviced"),
            "253:1 Read 2\n253:1 Write 0\nTotal 2\n",
        );
        let s = sample_at(r, Path::new("/berth/c1")).unwrap();
        assert!(!s.v2);
        assert_eq!(s.cpu_percpu_ns, vec![100, 200]);
        assert_eq!((s.cpu_user_ns, s.cpu_system_ns), (20_000_000, 10_000_000));
        assert_eq!(s.throttled_time_ns, 99);
        assert_eq!(s.memory_limit, None);
        assert_eq!(s.memory_stat.get("rss"), Some(&57344));
        assert_eq!((s.pids_current, s.pids_limit), (1, None));
        assert_eq!(s.blkio_service_bytes.len(), 6);
        assert_eq!(
            s.blkio_service_bytes[1],
            BlkioEntry {
                major: 8,
                minor: 0,
                op: "Write".into(),
                value: 2_097_152
            }
        );
        assert_eq!(
            s.blkio_serviced[0],
            BlkioEntry {
                major: 253,
                minor: 1,
                op: "Read".into(),
                value: 2
            }
        );
    }

    #[test]
    fn malformed_blkio_lines_are_skipped() {
        assert!(parse_blkio_v1("Total 0\n").is_empty());
        assert!(parse_blkio_v1("8:x Read 1\n8:0 Read\n8:0 Read nope\n").is_empty());
        let (bytes, ios) = parse_io_stat("garbage\n8:0 rbytes=x wbytes=5 bogus\n");
        assert_eq!(bytes.len(), 1);
        assert!(ios.is_empty());
    }
}
