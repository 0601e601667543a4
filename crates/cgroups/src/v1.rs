//! cgroup v1: one directory per controller hierarchy (`<root>/<controller>/<path>`).

use std::path::{Path, PathBuf};

use crate::fsutil::{self, join_below};
use crate::{CgroupError, CgroupManager, Resources, SelfAttach, Stats};

/// Controllers a container joins: those berth limits, accounts (blkio: `docker stats` BLOCK I/O),
/// freezes or guards devices with. Every extra hierarchy costs a mkdir/write/rmdir on each
/// container start, so cpuset (which also needs cpus/mems copied from its parent) is left out.
const CONTROLLERS: &[&str] = &[
    "memory", "cpu", "cpuacct", "pids", "freezer", "devices", "blkio",
];

pub struct V1Manager {
    /// Every available controller: (name, hierarchy root, the container's directory in it).
    /// Co-mounted controllers (`cpu,cpuacct`) share a directory.
    controllers: Vec<(&'static str, PathBuf, PathBuf)>,
    /// The container's distinct directories, one per hierarchy.
    dirs: Vec<PathBuf>,
}

impl V1Manager {
    pub fn new(root: &Path, cgroup_path: &Path) -> Result<Self, CgroupError> {
        let mut controllers = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        for ctrl in CONTROLLERS {
            let hierarchy = root.join(ctrl);
            let Ok(canonical) = hierarchy.canonicalize() else {
                continue;
            };
            let dir = join_below(&canonical, cgroup_path)?;
            if !seen.contains(&canonical) {
                seen.push(canonical.clone());
                dirs.push(dir.clone());
            }
            controllers.push((*ctrl, canonical, dir));
        }
        if dirs.is_empty() {
            return Err(CgroupError::Unsupported(root.to_owned()));
        }
        Ok(V1Manager { controllers, dirs })
    }

    fn file(&self, ctrl: &str, name: &str) -> Option<PathBuf> {
        self.controllers
            .iter()
            .find(|(c, _, _)| *c == ctrl)
            .map(|(_, _, dir)| dir.join(name))
    }

    /// Whether the hierarchy of `ctrl` offers `name`, checked on the hierarchy root, since
    /// optional files (memsw without swap accounting) are absent at every level alike.
    fn hierarchy_has(&self, ctrl: &str, name: &str) -> bool {
        self.controllers
            .iter()
            .any(|(c, root, _)| *c == ctrl && root.join(name).exists())
    }
}

impl CgroupManager for V1Manager {
    fn create(&self) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            fsutil::create_dir_all(dir)?;
        }
        Ok(())
    }

    fn apply(&self, r: &Resources) -> Result<(), CgroupError> {
        if let Some(limit) = r.memory_limit.filter(|l| *l > 0) {
            // Without an explicit swap setting, memory+swap equals the limit (no swap), so a
            // limit is a limit even on hosts with swap. Docker's client-side default
            // (MemorySwap = 2 x Memory) arrives here as an explicit value.
            let memsw = match r.memory_swap {
                Some(-1) => -1,
                Some(s) if s >= limit => s,
                _ => limit,
            };
            let limit_file = self.file("memory", "memory.limit_in_bytes");
            let memsw_file = self
                .file("memory", "memory.memsw.limit_in_bytes")
                .filter(|_| self.hierarchy_has("memory", "memory.memsw.limit_in_bytes"));
            // The kernel refuses a memory limit above memory+swap and the reverse: raising
            // both (an update from 32m to 64m) must write memsw first, lowering them the
            // limit first (runc's order).
            let raising = memsw == -1
                || limit_file.as_deref().is_some_and(|f| {
                    fsutil::read_u64(f).is_ok_and(|current| limit as u64 > current)
                });
            let mut writes = [(limit_file, limit), (memsw_file, memsw)];
            if raising {
                writes.reverse();
            }
            for (file, value) in writes {
                if let Some(f) = file {
                    fsutil::write(&f, &value.to_string())?;
                }
            }
        }
        if let Some(period) = r.cpu_period.filter(|p| *p > 0) {
            if let Some(f) = self.file("cpu", "cpu.cfs_period_us") {
                fsutil::write(&f, &period.to_string())?;
            }
        }
        if let Some(quota) = r.cpu_quota.filter(|q| *q != 0) {
            if let Some(f) = self.file("cpu", "cpu.cfs_quota_us") {
                fsutil::write(&f, &quota.to_string())?;
            }
        }
        if let Some(shares) = r.cpu_shares.filter(|s| *s > 0) {
            if let Some(f) = self.file("cpu", "cpu.shares") {
                fsutil::write(&f, &shares.to_string())?;
            }
        }
        for rule in &r.devices {
            let name = if rule.allow {
                "devices.allow"
            } else {
                "devices.deny"
            };
            if let Some(f) = self.file("devices", name) {
                fsutil::write(&f, &rule.to_v1_line())?;
            }
        }
        if let Some(pids) = r.pids_limit {
            if let Some(f) = self.file("pids", "pids.max") {
                let value = if pids > 0 {
                    pids.to_string()
                } else {
                    "max".to_owned()
                };
                fsutil::write(&f, &value)?;
            }
        }
        Ok(())
    }

    fn add_pid(&self, pid: i32) -> Result<(), CgroupError> {
        for dir in &self.dirs {
            fsutil::write(&dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    fn open_self_attach(&self) -> Result<SelfAttach, CgroupError> {
        SelfAttach::open(self.dirs.iter().map(|d| d.join("tasks")).collect())
    }

    fn pids(&self) -> Result<Vec<i32>, CgroupError> {
        // Every task joins all hierarchies; the first one is authoritative.
        match self.dirs.first() {
            Some(dir) => fsutil::read_pids(&dir.join("cgroup.procs")),
            None => Ok(Vec::new()),
        }
    }

    fn stats(&self) -> Result<Stats, CgroupError> {
        let mut stats = Stats::default();
        if let Some(f) = self.file("memory", "memory.usage_in_bytes") {
            stats.memory_usage = fsutil::read_u64(&f)?;
        }
        if let Some(f) = self.file("memory", "memory.limit_in_bytes") {
            // v1 reports "unlimited" as a huge page-rounded number.
            stats.memory_limit = fsutil::read_u64(&f)
                .ok()
                .filter(|l| *l < i64::MAX as u64 / 2);
        }
        if let Some(f) = self.file("cpuacct", "cpuacct.usage") {
            stats.cpu_usage_ns = fsutil::read_u64(&f)?;
        }
        if let Some(f) = self.file("pids", "pids.current") {
            stats.pids_current = fsutil::read_u64(&f)?;
        }
        Ok(stats)
    }

    fn oom_kill_count(&self) -> Result<u64, CgroupError> {
        match self.file("memory", "memory.oom_control") {
            // Kernels before 4.13 have no oom_kill line; no file means no memory controller.
            Some(f) if f.exists() => Ok(fsutil::read_keyed(&f, "oom_kill")?.unwrap_or(0)),
            _ => Ok(0),
        }
    }

    fn freeze(&self) -> Result<(), CgroupError> {
        match self.file("freezer", "freezer.state") {
            Some(f) => fsutil::write(&f, "FROZEN"),
            None => Err(CgroupError::Unsupported(PathBuf::from("freezer"))),
        }
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        match self.file("freezer", "freezer.state") {
            Some(f) => fsutil::write(&f, "THAWED"),
            None => Err(CgroupError::Unsupported(PathBuf::from("freezer"))),
        }
    }

    fn remove(&self) -> Result<(), CgroupError> {
        let mut first_err = None;
        for dir in &self.dirs {
            if let Err(e) = fsutil::remove_cgroup_dir(dir) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
