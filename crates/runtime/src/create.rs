//! The parent side of container creation: cgroup, fork of the init, cgroup placement, start.

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use cgroups::CgroupManager;

use crate::init_config::InitConfig;
use crate::report_pipe::{read_report, Report};
use crate::{init, RuntimeError, StartError};

/// How the init gets its standard streams.
pub enum InitStdio {
    /// Descriptors from the supervisor (pipe ends or /dev/null), installed as 0, 1 and 2.
    Fds {
        stdin: OwnedFd,
        stdout: OwnedFd,
        stderr: OwnedFd,
    },
    /// A pty allocated by the init from the container's own devpts (so `tty` names it, as in
    /// Docker), which becomes its controlling terminal and stdio. The master is sent over
    /// `socket` (SCM_RIGHTS) before the init reports ready; see [`receive_pty_master`].
    Terminal {
        socket: OwnedFd,
        rows: u16,
        cols: u16,
    },
}

/// Receives the pty master of an [`InitStdio::Terminal`] init (after [`create`] returned).
pub fn receive_pty_master(socket: &OwnedFd) -> std::io::Result<OwnedFd> {
    sys::recv_fd(std::os::fd::AsFd::as_fd(socket))
}

/// A container whose init (or an exec process) is set up and blocked just before execve.
pub struct CreatedContainer {
    pub(crate) pid: Pid,
    /// Writing one byte releases the init; dropping it unstarted makes the init exit.
    pub(crate) start_pipe: Option<File>,
    pub(crate) report_pipe: File,
    pub(crate) cgroup: Option<Arc<dyn CgroupManager>>,
    /// Whether the init is in `cgroup` (always before it may exec).
    pub(crate) in_cgroup: bool,
    /// A reference to the container's mount namespace, see [`CreatedContainer::take_mount_ns`].
    pub(crate) mount_ns: Option<File>,
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

/// Creates the container described by `cfg`: the cgroup with its limits, then the init (forked
/// with a new pid namespace when asked), set up and waiting for [`CreatedContainer::start`].
///
/// The init joins the cgroup itself, first thing after the fork (see
/// [`cgroups::CgroupManager::open_self_attach`]: moving another process on cgroup v1 would
/// cost a kernel RCU grace period of 10-20 ms), so no container code ever runs outside it.
/// The calling process must be single-threaded (checked).
pub fn create(cfg: &InitConfig, stdio: InitStdio) -> Result<CreatedContainer, RuntimeError> {
    let cgroup: Option<Arc<dyn CgroupManager>> = match &cfg.cgroups_path {
        Some(path) => {
            let mgr = cgroups::open(path)?;
            mgr.create()?;
            if let Err(e) = mgr.apply(&cfg.resources) {
                let _ = mgr.remove();
                return Err(e.into());
            }
            Some(Arc::from(mgr))
        }
        None => None,
    };
    let pid_ns = if cfg.new_pid_ns {
        PidNamespace::New
    } else {
        PidNamespace::Inherit
    };
    match fork_init(cfg, init::Entry::Create, stdio, pid_ns, cgroup.as_ref()) {
        Ok((pid, start_pipe, report_pipe)) => {
            let mount_ns = match File::open(format!("/proc/{pid}/ns/mnt")) {
                Ok(f) => f,
                Err(e) => {
                    kill_and_reap(pid);
                    if let Some(mgr) = &cgroup {
                        let _ = mgr.remove();
                    }
                    return Err(e.into());
                }
            };
            Ok(CreatedContainer {
                pid,
                start_pipe: Some(start_pipe),
                report_pipe,
                in_cgroup: true,
                cgroup,
                mount_ns: Some(mount_ns),
            })
        }
        Err(e) => {
            if let Some(mgr) = &cgroup {
                let _ = mgr.remove();
            }
            Err(e)
        }
    }
}

/// The pid namespace the forked process lands in.
pub(crate) enum PidNamespace {
    /// The caller's.
    Inherit,
    /// A new one, whose PID 1 the forked process becomes.
    New,
    /// An existing one (an exec into a running container).
    Join(File),
}

/// Forks the process that becomes `cfg`'s program (it joins `cgroup` itself, before anything
/// else) and waits for its "ready" report. Returns its host pid, the start pipe and the report
/// pipe.
pub(crate) fn fork_init(
    cfg: &InitConfig,
    entry: init::Entry,
    stdio: InitStdio,
    pid_ns: PidNamespace,
    cgroup: Option<&Arc<dyn CgroupManager>>,
) -> Result<(Pid, File, File), RuntimeError> {
    let attach = cgroup.map(|mgr| mgr.open_self_attach()).transpose()?;
    let (start_r, start_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(sys_err("pipe"))?;
    let (report_r, report_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(sys_err("pipe"))?;

    // A pid namespace (new or joined) applies to the children of the caller, so the next fork
    // lands in it. The supervisor returns to its own namespace right after the fork, because
    // threads cannot be created while pid_for_children differs.
    let own_pid_ns = match pid_ns {
        PidNamespace::Inherit => None,
        PidNamespace::New => {
            let ns = File::open("/proc/self/ns/pid")?;
            nix::sched::unshare(CloneFlags::CLONE_NEWPID)
                .map_err(sys_err("unshare(CLONE_NEWPID)"))?;
            Some(ns)
        }
        PidNamespace::Join(target) => {
            let ns = File::open("/proc/self/ns/pid")?;
            nix::sched::setns(&target, CloneFlags::CLONE_NEWPID)
                .map_err(sys_err("setns(container pid namespace)"))?;
            Some(ns)
        }
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
            init::run(
                cfg,
                entry,
                stdio,
                attach,
                File::from(start_r),
                File::from(report_w),
            )
        }
        sys::Forked::Parent { child } => child,
    };
    drop((start_r, report_w, stdio, entry, attach));
    let mut report = File::from(report_r);
    let abort = |e: RuntimeError| {
        kill_and_reap(child);
        e
    };
    match read_report(&mut report) {
        Ok(Report::Ready) => Ok((child, File::from(start_w), report)),
        Ok(Report::Error(message)) => Err(abort(RuntimeError::Init(message))),
        Ok(Report::Closed) => Err(abort(RuntimeError::Init(
            "container init exited during setup".into(),
        ))),
        Err(e) => Err(abort(e.into())),
    }
}

pub(crate) fn kill_and_reap(pid: Pid) {
    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    let _ = nix::sys::wait::waitpid(pid, None);
}

impl CreatedContainer {
    /// Host pid of the container init.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    pub fn cgroup(&self) -> Option<Arc<dyn CgroupManager>> {
        self.cgroup.clone()
    }

    /// Takes the open `/proc/<pid>/ns/mnt` of the init. While it is held, the container's mount
    /// namespace outlives the init: its teardown (an overlay unmount syncs the whole upper
    /// filesystem, which can take tens of milliseconds on a busy disk) then happens when the
    /// holder drops it, e.g. after waiters were answered, instead of inside the init's exit.
    pub fn take_mount_ns(&mut self) -> Option<File> {
        self.mount_ns.take()
    }

    pub fn is_started(&self) -> bool {
        self.start_pipe.is_none()
    }

    /// Moves the init into its cgroup (idempotent). On failure the container cannot start.
    pub fn join_cgroup(&mut self) -> Result<(), RuntimeError> {
        if self.in_cgroup {
            return Ok(());
        }
        if let Some(mgr) = &self.cgroup {
            mgr.add_pid(self.pid.as_raw())?;
        }
        self.in_cgroup = true;
        Ok(())
    }

    /// Releases the init and waits for the outcome of its execve: `Ok` once the program runs,
    /// or Docker's message (`exec: "x": executable file not found in $PATH`).
    pub fn start(&mut self) -> Result<(), StartError> {
        if self.start_pipe.is_none() {
            return Err(StartError::AlreadyStarted);
        }
        if let Err(e) = self.join_cgroup() {
            // Never run the program outside its limits: give up on this init.
            self.start_pipe = None;
            kill_and_reap_later(self.pid);
            return Err(StartError::Io(e.to_string()));
        }
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

/// Kills the init without reaping it: its supervisor's wait loop collects the status.
fn kill_and_reap_later(pid: Pid) {
    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
}
