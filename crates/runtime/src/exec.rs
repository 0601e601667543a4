//! An exec: a new process in a running container (`docker exec`), set up like the init (user,
//! cwd, env, capabilities, rlimits, seccomp) but joining the container's namespaces, root and
//! cgroup instead of creating them.

use std::fs::File;
use std::os::fd::OwnedFd;

use nix::sched::CloneFlags;

use crate::create::{fork_init, PidNamespace};
use crate::{init, CreatedContainer, InitConfig, InitStdio, RuntimeError};

/// The namespaces an exec joins besides pid (which the parent joins for the fork), in order:
/// mnt last, since after it `/proc/<pid>/ns` is no longer the host's.
const JOINED: [(&str, CloneFlags); 4] = [
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("mnt", CloneFlags::CLONE_NEWNS),
];

/// Creates the process `cfg` describes (its args, env, user, cwd, capabilities; the
/// container's rlimits, seccomp and cgroup path) inside the container whose init has host pid
/// `container_pid`, blocked just before execve until [`CreatedContainer::start`]. Like
/// [`crate::create`], the process joins the cgroup itself right after the fork and the caller
/// must be single-threaded. The cgroup is neither created nor removed.
pub fn exec(
    cfg: &InitConfig,
    container_pid: i32,
    stdio: InitStdio,
) -> Result<CreatedContainer, RuntimeError> {
    if container_pid <= 0 {
        return Err(RuntimeError::InvalidSpec(format!(
            "invalid container pid {container_pid}"
        )));
    }
    let proc_dir = format!("/proc/{container_pid}");
    let open = |path: String| {
        File::open(&path).map_err(|e| {
            RuntimeError::Io(std::io::Error::new(
                e.kind(),
                format!("opening {path}: {e} (is the container running?)"),
            ))
        })
    };
    let pid_ns = open(format!("{proc_dir}/ns/pid"))?;
    let mut namespaces: Vec<(CloneFlags, OwnedFd)> = Vec::with_capacity(JOINED.len());
    for (name, flag) in JOINED {
        namespaces.push((flag, OwnedFd::from(open(format!("{proc_dir}/ns/{name}"))?)));
    }
    let root = OwnedFd::from(open(format!("{proc_dir}/root"))?);
    let cgroup = match &cfg.cgroups_path {
        Some(path) => Some(std::sync::Arc::<dyn cgroups::CgroupManager>::from(
            cgroups::open(path)?,
        )),
        None => None,
    };
    let entry = init::Entry::Join { namespaces, root };
    let (pid, start_pipe, report_pipe) = fork_init(
        cfg,
        entry,
        stdio,
        PidNamespace::Join(pid_ns),
        cgroup.as_ref(),
    )?;
    Ok(CreatedContainer {
        pid,
        start_pipe: Some(start_pipe),
        report_pipe,
        in_cgroup: true,
        cgroup,
        mount_ns: None,
    })
}
