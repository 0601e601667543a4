//! The container init: runs in the forked child, sets the container up, reports "ready", waits
//! for the start signal and execs the container's program. Never returns.

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::sched::CloneFlags;
use nix::sys::resource::{getrlimit, setrlimit};
use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid};

use crate::create::InitStdio;
use crate::exec_lookup::{exec_error_message, lookup_executable};
use crate::init_config::InitConfig;
use crate::report_pipe::{write_error, READY};
use crate::{capabilities, mounts};

/// Exit code of the init when the program could not be found (as a shell's 127).
const EXIT_NOT_FOUND: i32 = 127;
/// Exit code when it was found but could not be executed.
const EXIT_CANNOT_EXEC: i32 = 126;

/// How the process gets into its container.
pub(crate) enum Entry {
    /// A new container: namespaces per the spec, rootfs built and pivoted to.
    Create,
    /// An exec: join the namespaces of a running container (already open, in this order),
    /// then its root (`/proc/<init>/root`, opened before the mount namespace changed).
    Join {
        namespaces: Vec<(CloneFlags, OwnedFd)>,
        root: OwnedFd,
    },
}

pub(crate) fn run(
    cfg: &InitConfig,
    entry: Entry,
    stdio: InitStdio,
    cgroup: Option<cgroups::SelfAttach>,
    mut start: File,
    mut report: File,
) -> ! {
    // Into the cgroup before anything else, so all of the setup is accounted and limited.
    if let Some(attach) = cgroup {
        if let Err(e) = attach.attach_self() {
            write_error(&mut report, &format!("joining the cgroup: {e}"));
            std::process::exit(1);
        }
    }
    if let Err(message) = setup(cfg, entry, stdio) {
        write_error(&mut report, &message);
        std::process::exit(1);
    }
    if report.write_all(&[READY]).is_err() {
        std::process::exit(1);
    }
    let mut go = [0u8; 1];
    match start.read(&mut go) {
        Ok(1) => {}
        // The supervisor went away (or gave up) before starting us.
        _ => std::process::exit(1),
    }
    let program = &cfg.args[0];
    let path = match lookup_executable(program, &cfg.env) {
        Ok(p) => p,
        Err(message) => {
            write_error(&mut report, &message);
            std::process::exit(EXIT_NOT_FOUND);
        }
    };
    if cfg.no_new_privileges {
        // With no_new_privs the filter needs no privilege, so it goes in as late as possible:
        // nothing of the setup has to be allowed by it.
        if let Some(filter) = &cfg.seccomp {
            if let Err(e) = filter.install() {
                write_error(&mut report, &format!("installing seccomp filter: {e}"));
                std::process::exit(EXIT_CANNOT_EXEC);
            }
        }
    }
    let errno = exec(&path, cfg);
    write_error(&mut report, &exec_error_message(program, errno));
    std::process::exit(if errno == nix::Error::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXEC
    });
}

fn exec(path: &Path, cfg: &InitConfig) -> nix::Error {
    let to_c = |s: &str| CString::new(s.as_bytes()).map_err(|_| nix::Error::EINVAL);
    let prepared = (|| -> Result<(CString, Vec<CString>, Vec<CString>), nix::Error> {
        let path =
            CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| nix::Error::EINVAL)?;
        let args = cfg
            .args
            .iter()
            .map(|a| to_c(a))
            .collect::<Result<Vec<_>, _>>()?;
        let env = cfg
            .env
            .iter()
            .map(|e| to_c(e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((path, args, env))
    })();
    match prepared {
        Ok((path, args, env)) => match nix::unistd::execve(&path, &args, &env) {
            Err(e) => e,
            Ok(never) => match never {},
        },
        Err(e) => e,
    }
}

fn setup(cfg: &InitConfig, entry: Entry, stdio: InitStdio) -> Result<(), String> {
    let terminal = match stdio {
        InitStdio::Fds {
            stdin,
            stdout,
            stderr,
        } => {
            install_stdio(&stdin, &stdout, &stderr)?;
            None
        }
        InitStdio::Terminal { socket, rows, cols } => {
            // Until the pty exists, hold nothing of the supervisor's (its stdout is the
            // handshake pipe).
            let null = File::options()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map_err(|e| format!("/dev/null: {e}"))?;
            install_stdio(&null, &null, &null)?;
            Some((socket, rows, cols))
        }
    };
    // The supervisor ignores these; ignored dispositions would survive execve.
    for sig in [Signal::SIGPIPE, Signal::SIGHUP] {
        sys::reset_signal_default(sig).map_err(|e| format!("resetting {sig}: {e}"))?;
    }
    let _ = nix::unistd::setsid();

    let joined = matches!(entry, Entry::Join { .. });
    match entry {
        Entry::Create => enter_new_container(cfg)?,
        Entry::Join { namespaces, root } => join_container(namespaces, root)?,
    }
    if let Some((socket, rows, cols)) = terminal {
        open_terminal(&socket, rows, cols, cfg)?;
    }
    set_rlimits(cfg)?;

    let cwd = &cfg.cwd;
    if !joined {
        std::fs::create_dir_all(cwd)
            .map_err(|e| format!("creating working directory {}: {e}", cwd.display()))?;
    }
    nix::unistd::chdir(cwd)
        .map_err(|e| format!("chdir to cwd {:?}: {e}", cwd.display().to_string()))?;

    if !cfg.no_new_privileges {
        // Without no_new_privs installing a filter needs CAP_SYS_ADMIN, which the user switch
        // and the capability sets below take away: install it now (runc does the same), so
        // the filter must allow the rest of the setup (Docker's profile does).
        if let Some(filter) = &cfg.seccomp {
            filter
                .install()
                .map_err(|e| format!("installing seccomp filter: {e}"))?;
        }
    }
    if let Some(caps) = &cfg.capabilities {
        capabilities::drop_bounding(caps)?;
        nix::sys::prctl::set_keepcaps(true).map_err(|e| format!("PR_SET_KEEPCAPS: {e}"))?;
    }
    let groups: Vec<Gid> = cfg
        .additional_gids
        .iter()
        .map(|g| Gid::from_raw(*g))
        .collect();
    nix::unistd::setgroups(&groups).map_err(|e| format!("setgroups: {e}"))?;
    nix::unistd::setgid(Gid::from_raw(cfg.gid)).map_err(|e| format!("setgid {}: {e}", cfg.gid))?;
    nix::unistd::setuid(Uid::from_raw(cfg.uid)).map_err(|e| format!("setuid {}: {e}", cfg.uid))?;
    if let Some(caps) = &cfg.capabilities {
        capabilities::apply_sets(caps)?;
    }
    if let Some(umask) = cfg.umask {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(umask));
    }
    if cfg.no_new_privileges {
        nix::sys::prctl::set_no_new_privs().map_err(|e| format!("PR_SET_NO_NEW_PRIVS: {e}"))?;
    }
    sys::mark_fds_cloexec_from(3).map_err(|e| format!("close_range: {e}"))?;
    Ok(())
}

/// A new container: the spec's namespaces, the rootfs, pivot_root, hostname.
fn enter_new_container(cfg: &InitConfig) -> Result<(), String> {
    for (flag, path) in &cfg.join_namespaces {
        let ns =
            File::open(path).map_err(|e| format!("opening namespace {}: {e}", path.display()))?;
        nix::sched::setns(ns, *flag)
            .map_err(|e| format!("joining namespace {}: {e}", path.display()))?;
    }
    nix::sched::unshare(cfg.unshare_flags).map_err(|e| format!("unshare: {e}"))?;
    if cfg.new_net_ns {
        sys::set_loopback_up().map_err(|e| format!("bringing up lo: {e}"))?;
    }
    mounts::prepare_rootfs(cfg)?;
    mounts::pivot_to(&cfg.root)?;
    // Through the container's /proc, before finish_rootfs makes /proc/sys read-only.
    crate::sysctl::apply(&cfg.sysctls)?;
    mounts::finish_rootfs(cfg)?;
    if let Some(hostname) = &cfg.hostname {
        nix::unistd::sethostname(hostname).map_err(|e| format!("sethostname: {e}"))?;
    }
    if let Some(domainname) = &cfg.domainname {
        sys::set_domainname(domainname).map_err(|e| format!("setdomainname: {e}"))?;
    }
    Ok(())
}

/// An exec: the running container's namespaces, then its root. Joining a mount namespace
/// leaves the root at that namespace's original root, not at the container's pivoted one, so
/// the root comes from `/proc/<init>/root` (opened before the switch).
fn join_container(namespaces: Vec<(CloneFlags, OwnedFd)>, root: OwnedFd) -> Result<(), String> {
    for (flag, ns) in namespaces {
        nix::sched::setns(&ns, flag).map_err(|e| format!("joining namespace {flag:?}: {e}"))?;
    }
    nix::unistd::fchdir(&root).map_err(|e| format!("fchdir to container root: {e}"))?;
    nix::unistd::chroot(".").map_err(|e| format!("chroot to container root: {e}"))?;
    nix::unistd::chdir("/").map_err(|e| format!("chdir /: {e}"))?;
    Ok(())
}

fn install_stdio(stdin: &impl AsFd, stdout: &impl AsFd, stderr: &impl AsFd) -> Result<(), String> {
    nix::unistd::dup2_stdin(stdin.as_fd()).map_err(|e| format!("dup2 stdin: {e}"))?;
    nix::unistd::dup2_stdout(stdout.as_fd()).map_err(|e| format!("dup2 stdout: {e}"))?;
    nix::unistd::dup2_stderr(stderr.as_fd()).map_err(|e| format!("dup2 stderr: {e}"))?;
    Ok(())
}

/// Allocates a pty from the container's devpts (after pivot_root), hands the master to the
/// supervisor and makes the slave the controlling terminal and stdio.
fn open_terminal(
    socket: &std::os::fd::OwnedFd,
    rows: u16,
    cols: u16,
    cfg: &InitConfig,
) -> Result<(), String> {
    use nix::fcntl::OFlag;
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .map_err(|e| format!("opening /dev/ptmx: {e}"))?;
    nix::pty::grantpt(&master).map_err(|e| format!("grantpt: {e}"))?;
    nix::pty::unlockpt(&master).map_err(|e| format!("unlockpt: {e}"))?;
    let slave_path = nix::pty::ptsname_r(&master).map_err(|e| format!("ptsname: {e}"))?;
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&slave_path)
        .map_err(|e| format!("opening {slave_path}: {e}"))?;
    // The container's user owns its terminal, as with runc.
    std::os::unix::fs::fchown(&slave, Some(cfg.uid), Some(cfg.gid))
        .map_err(|e| format!("chown {slave_path}: {e}"))?;
    if rows > 0 && cols > 0 {
        sys::set_window_size(master.as_fd(), rows, cols).map_err(|e| format!("TIOCSWINSZ: {e}"))?;
    }
    sys::send_fd(socket.as_fd(), master.as_fd()).map_err(|e| format!("sending pty master: {e}"))?;
    drop(master);
    sys::set_controlling_terminal(slave.as_fd()).map_err(|e| format!("TIOCSCTTY: {e}"))?;
    install_stdio(&slave, &slave, &slave)
}

/// Applies the spec's rlimits, never above the current hard limit: raising it needs
/// CAP_SYS_RESOURCE, which the supervisor may lack (Docker's defaults ask for more than some
/// hosts allow).
fn set_rlimits(cfg: &InitConfig) -> Result<(), String> {
    for (resource, soft, hard) in &cfg.rlimits {
        let (_, current_hard) =
            getrlimit(*resource).map_err(|e| format!("getrlimit {resource:?}: {e}"))?;
        let hard = (*hard).min(current_hard);
        let soft = (*soft).min(hard);
        setrlimit(*resource, soft, hard).map_err(|e| format!("setrlimit {resource:?}: {e}"))?;
    }
    Ok(())
}
