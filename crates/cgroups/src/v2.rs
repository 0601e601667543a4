//! cgroup v2: the unified hierarchy (`<root>/<path>`).

use std::path::{Path, PathBuf};

use crate::fsutil::{self, join_below};
use crate::{cpu_shares_to_weight, CgroupError, CgroupManager, Resources, SelfAttach, Stats};

/// Controllers enabled for the container's cgroup through the parents' subtree_control
/// (io only accounts: `io.stat` feeds `docker stats` BLOCK I/O).
const CONTROLLERS: &[&str] = &["cpu", "memory", "pids", "io"];

pub struct V2Manager {
    root: PathBuf,
    dir: PathBuf,
}

impl V2Manager {
    pub fn new(root: &Path, cgroup_path: &Path) -> Result<Self, CgroupError> {
        Ok(V2Manager {
            root: root.to_owned(),
            dir: join_below(root, cgroup_path)?,
        })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Enables the wanted controllers in every ancestor's `cgroup.subtree_control`, from the
    /// root down, limited to what each level offers in `cgroup.controllers`.
    fn enable_controllers(&self) -> Result<(), CgroupError> {
        let Some(parent) = self.dir.parent() else {
            return Ok(());
        };
        let mut levels: Vec<&Path> = parent
            .ancestors()
            .take_while(|a| a.starts_with(&self.root))
            .collect();
        levels.reverse();
        for level in levels {
            let Ok(available) = std::fs::read_to_string(level.join("cgroup.controllers")) else {
                continue;
            };
            let wanted: Vec<String> = CONTROLLERS
                .iter()
                .filter(|c| available.split_whitespace().any(|a| a == **c))
                .map(|c| format!("+{c}"))
                .collect();
            if !wanted.is_empty() {
                fsutil::write(&level.join("cgroup.subtree_control"), &wanted.join(" "))?;
            }
        }
        Ok(())
    }
}

impl CgroupManager for V2Manager {
    fn create(&self) -> Result<(), CgroupError> {
        fsutil::create_dir_all(&self.dir)?;
        self.enable_controllers()
    }

    fn apply(&self, r: &Resources) -> Result<(), CgroupError> {
        if let Some(limit) = r.memory_limit.filter(|l| *l > 0) {
            fsutil::write(&self.file("memory.max"), &limit.to_string())?;
            // v2 limits swap alone; Docker's MemorySwap is memory + swap.
            let swap = match r.memory_swap {
                Some(-1) => "max".to_owned(),
                Some(s) if s >= limit => (s - limit).to_string(),
                _ => "0".to_owned(),
            };
            let f = self.file("memory.swap.max");
            if f.exists() {
                fsutil::write(&f, &swap)?;
            }
        }
        if r.cpu_quota.is_some() || r.cpu_period.is_some() {
            let quota = match r.cpu_quota {
                Some(q) if q > 0 => q.to_string(),
                _ => "max".to_owned(),
            };
            let period = r.cpu_period.filter(|p| *p > 0).unwrap_or(100_000);
            fsutil::write(&self.file("cpu.max"), &format!("{quota} {period}"))?;
        }
        if let Some(shares) = r.cpu_shares.filter(|s| *s > 0) {
            fsutil::write(
                &self.file("cpu.weight"),
                &cpu_shares_to_weight(shares).to_string(),
            )?;
        }
        if let Some(pids) = r.pids_limit {
            let value = if pids > 0 {
                pids.to_string()
            } else {
                "max".to_owned()
            };
            fsutil::write(&self.file("pids.max"), &value)?;
        }
        Ok(())
    }

    fn add_pid(&self, pid: i32) -> Result<(), CgroupError> {
        fsutil::write(&self.file("cgroup.procs"), &pid.to_string())
    }

    fn open_self_attach(&self) -> Result<SelfAttach, CgroupError> {
        SelfAttach::open(vec![self.file("cgroup.procs")])
    }

    fn pids(&self) -> Result<Vec<i32>, CgroupError> {
        fsutil::read_pids(&self.file("cgroup.procs"))
    }

    fn stats(&self) -> Result<Stats, CgroupError> {
        let mut stats = Stats::default();
        if self.file("memory.current").exists() {
            stats.memory_usage = fsutil::read_u64(&self.file("memory.current"))?;
            stats.memory_limit = fsutil::read_u64_or_max(&self.file("memory.max"))
                .ok()
                .flatten();
        }
        if self.file("cpu.stat").exists() {
            stats.cpu_usage_ns =
                fsutil::read_keyed(&self.file("cpu.stat"), "usage_usec")?.unwrap_or(0) * 1000;
        }
        if self.file("pids.current").exists() {
            stats.pids_current = fsutil::read_u64(&self.file("pids.current"))?;
        }
        Ok(stats)
    }

    fn oom_kill_count(&self) -> Result<u64, CgroupError> {
        let f = self.file("memory.events");
        if !f.exists() {
            return Ok(0);
        }
        Ok(fsutil::read_keyed(&f, "oom_kill")?.unwrap_or(0))
    }

    fn freeze(&self) -> Result<(), CgroupError> {
        fsutil::write(&self.file("cgroup.freeze"), "1")
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        fsutil::write(&self.file("cgroup.freeze"), "0")
    }

    fn kill_all(&self, signal: nix::sys::signal::Signal) -> Result<(), CgroupError> {
        let kill_file = self.file("cgroup.kill");
        if signal == nix::sys::signal::Signal::SIGKILL && kill_file.exists() {
            return fsutil::write(&kill_file, "1");
        }
        for pid in self.pids()? {
            match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal) {
                Ok(()) | Err(nix::Error::ESRCH) => {}
                Err(source) => return Err(CgroupError::Signal { pid, source }),
            }
        }
        Ok(())
    }

    fn remove(&self) -> Result<(), CgroupError> {
        fsutil::remove_cgroup_dir(&self.dir)
    }
}
