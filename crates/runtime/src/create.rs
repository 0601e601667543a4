//! The parent side of container creation: cgroup, fork of the init, start.

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use cgroups::CgroupManager;

use crate::init_config::InitConfig;
use crate::report_pipe::{read_report, Report};
use crate::{init, RuntimeError, StartError};

/// The init's standard streams (the container's ends of the supervisor's pipes).
pub struct InitStdio {
    pub stdin: OwnedFd,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
}

/// A container whose init is set up and blocked just before execve.
pub struct CreatedContainer {
    pid: Pid,
    /// Writing one byte releases the init; dropping it unstarted makes the init exit.
    start_pipe: Option<File>,
    report_pipe: File,
    cgroup: Option<Box<dyn CgroupManager>>,
}

impl std::fmt::Debug for CreatedContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedContainer")
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

fn sys_err(op: &'static str) -> impl FnOnce(nix::Error) -> RuntimeError {
    move |source| RuntimeError::Sys { op, source }
}

/// Creates the container described by `cfg`: cgroup with limits, then the init (forked with a
/// new pid namespace when asked), placed into the cgroup before it can run any user code.
/// The calling process must be single-threaded (checked).
pub fn create(cfg: &InitConfig, stdio: InitStdio) -> Result<CreatedContainer, RuntimeError> {
    let cgroup = match &cfg.cgroups_path {
        Some(path) => {
            let mgr = cgroups::open(path)?;
            mgr.create()?;
            if let Err(e) = mgr.apply(&cfg.resources) {
                let _ = mgr.remove();
                return Err(e.into());
            }
            Some(mgr)
        }
        None => None,
    };
    match fork_init(cfg, stdio, cgroup.as_deref()) {
        Ok((pid, start_pipe, report_pipe)) => Ok(CreatedContainer {
            pid,
            start_pipe: Some(start_pipe),
            report_pipe,
            cgroup,
        }),
        Err(e) => {
            if let Some(mgr) = &cgroup {
                let _ = mgr.remove();
            }
            Err(e)
        }
    }
}

fn fork_init(
    cfg: &InitConfig,
    stdio: InitStdio,
    cgroup: Option<&dyn CgroupManager>,
) -> Result<(Pid, File, File), RuntimeError> {
    let (start_r, start_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(sys_err("pipe"))?;
    let (report_r, report_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(sys_err("pipe"))?;

    // A new pid namespace applies to the children of the unsharing process, so the next fork
    // becomes its PID 1. The supervisor returns to its own namespace right after the fork,
    // because threads cannot be created while pid_for_children differs.
    let own_pid_ns = if cfg.new_pid_ns {
        let ns = File::open("/proc/self/ns/pid")?;
        nix::sched::unshare(CloneFlags::CLONE_NEWPID).map_err(sys_err("unshare(CLONE_NEWPID)"))?;
        Some(ns)
    } else {
        None
    };
    let forked = sys::fork_single_threaded();
    if let Some(ns) = &own_pid_ns {
        if !matches!(forked, Ok(sys::Forked::Child)) {
            nix::sched::setns(ns, CloneFlags::CLONE_NEWPID)
                .map_err(sys_err("setns(own pid namespace)"))?;
        }
    }
    let child = match forked? {
        sys::Forked::Child => {
            drop((start_w, report_r, own_pid_ns));
            init::run(cfg, stdio, File::from(start_r), File::from(report_w))
        }
        sys::Forked::Parent { child } => child,
    };
    drop((start_r, report_w, stdio));
    let mut report = File::from(report_r);
    let abort = |e: RuntimeError| {
        let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(child, None);
        e
    };
    if let Some(mgr) = cgroup {
        mgr.add_pid(child.as_raw()).map_err(|e| abort(e.into()))?;
    }
    match read_report(&mut report) {
        Ok(Report::Ready) => Ok((child, File::from(start_w), report)),
        Ok(Report::Error(message)) => Err(abort(RuntimeError::Init(message))),
        Ok(Report::Closed) => Err(abort(RuntimeError::Init(
            "container init exited during setup".into(),
        ))),
        Err(e) => Err(abort(e.into())),
    }
}

impl CreatedContainer {
    /// Host pid of the container init.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    pub fn cgroup(&self) -> Option<&dyn CgroupManager> {
        self.cgroup.as_deref()
    }

    pub fn take_cgroup(&mut self) -> Option<Box<dyn CgroupManager>> {
        self.cgroup.take()
    }

    pub fn is_started(&self) -> bool {
        self.start_pipe.is_none()
    }

    /// Releases the init and waits for the outcome of its execve: `Ok` once the program runs,
    /// or Docker's message (`exec: "x": executable file not found in $PATH`).
    pub fn start(&mut self) -> Result<(), StartError> {
        let mut pipe = self.start_pipe.take().ok_or(StartError::AlreadyStarted)?;
        pipe.write_all(b"S")
            .map_err(|e| StartError::Io(e.to_string()))?;
        drop(pipe);
        match read_report(&mut self.report_pipe) {
            Ok(Report::Closed) => Ok(()),
            Ok(Report::Error(message)) => Err(StartError::Exec(message)),
            Ok(Report::Ready) => Err(StartError::Io("unexpected report from init".into())),
            Err(e) => Err(StartError::Io(e.to_string())),
        }
    }
}
