//! The shim's life: create the container (single-threaded), handshake, then serve the socket
//! with one thread per connection while a reaper thread waits for the init.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use nix::fcntl::OFlag;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use oci_spec::runtime::Spec;
use runtime::{InitConfig, InitStdio};

use crate::atomic_file::{write_atomic, write_atomic_sync_later};
use crate::json_log::JsonLog;
use crate::output::{pump, AttachRegistry};
use crate::protocol::{ExitInfo, Status};
use crate::shared::{lock, Lifecycle, Shared};
use crate::{connection, stdcopy, ExecOptions, ShimOptions};

/// How long the shim may stay after the init exited for connections still being served.
const LINGER_MAX: Duration = Duration::from_secs(2);

/// Runs the shim; returns the process exit code. Must be called while single-threaded.
pub fn run(opts: ShimOptions) -> i32 {
    detach_from_parent(&opts.bundle);
    let created = match create(&opts) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("berth-shim: create failed: {message}");
            handshake(&serde_json::json!({"ok": false, "error": message}));
            return 1;
        }
    };
    serve(opts, created, false)
}

/// Runs the exec shim ("The exec contract"); returns the process exit code. Must be called
/// while single-threaded.
pub fn run_exec(opts: ExecOptions) -> i32 {
    detach_from_parent(&opts.bundle);
    let created = match create_exec(&opts) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("berth-shim exec {}: create failed: {message}", opts.exec_id);
            handshake(&serde_json::json!({"ok": false, "error": message}));
            return 1;
        }
    };
    serve(opts.server_options(), created, true)
}

/// After the handshake: serve the socket while threads pump output and wait for the process.
fn serve(opts: ShimOptions, created: Created, exec: bool) -> i32 {
    let Created {
        container,
        new_pid_ns,
        stdout,
        stderr,
        stdin,
        tty,
        tty_peer,
        listener,
    } = created;
    let pid = container.pid().as_raw();
    handshake(&serde_json::json!({"ok": true, "pid": pid}));

    let mut container = container;
    // An exec neither signals the container's cgroup nor removes it.
    let cgroup = if exec { None } else { container.cgroup() };
    let mount_ns = container.take_mount_ns();
    let shared = Arc::new(Shared {
        opts: opts.clone(),
        pid,
        container: Mutex::new(container),
        cgroup,
        mount_ns: Mutex::new(mount_ns),
        socket_identity: socket_identity(&opts.socket),
        new_pid_ns,
        exec,
        lifecycle: Mutex::new(Lifecycle {
            status: Status::Created,
            exit: None,
            start_error: None,
            outputs_open: if stderr.is_some() { 2 } else { 1 },
            connections: 0,
        }),
        changed: Condvar::new(),
        attach: AttachRegistry::new(tty.is_some()),
        tty,
        tty_peer: Mutex::new(tty_peer),
        stdin: Mutex::new(stdin),
    });

    let log = if opts.json_log {
        match JsonLog::open(&opts.log_path(), opts.log_max_size, opts.log_max_file) {
            Ok(l) => Some(Arc::new(Mutex::new(l))),
            Err(e) => {
                eprintln!("berth-shim: opening {}: {e}", opts.log_path().display());
                None
            }
        }
    } else {
        None
    };
    let outputs = [
        Some((stdout, stdcopy::STDOUT)),
        stderr.map(|e| (e, stdcopy::STDERR)),
    ];
    for (pipe, id) in outputs.into_iter().flatten() {
        let (shared, log) = (shared.clone(), log.clone());
        std::thread::spawn(move || pump(shared, pipe, id, log));
    }
    {
        let shared = shared.clone();
        std::thread::spawn(move || reap(shared));
    }
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                // Counted before the thread runs, so the exit path waits for this connection.
                shared.update(|l| l.connections += 1);
                let shared = shared.clone();
                std::thread::spawn(move || connection::serve(shared, stream));
            }
            Err(e) => eprintln!("berth-shim: accept: {e}"),
        }
    }
    0
}

/// The shim outlives berthd: own session, stderr to `<bundle>/shim.log`, and no death by the
/// signals a vanished parent or terminal would send.
fn detach_from_parent(bundle: &Path) {
    let _ = nix::unistd::setsid();
    let _ = sys::ignore_signal(Signal::SIGPIPE);
    let _ = sys::ignore_signal(Signal::SIGHUP);
    if let Ok(log) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(bundle.join("shim.log"))
    {
        let _ = nix::unistd::dup2_stderr(log.as_fd());
    }
}

/// Prints the one handshake line and closes stdout so the reader sees EOF.
fn handshake(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
    if let Ok(null) = File::options().read(true).write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(null.as_fd());
    }
}

struct Created {
    container: runtime::CreatedContainer,
    new_pid_ns: bool,
    /// Container output: the stdout pipe, or the pty master of a TTY container.
    stdout: File,
    /// None for a TTY container (one stream).
    stderr: Option<File>,
    stdin: Option<File>,
    tty: Option<File>,
    tty_peer: Option<OwnedFd>,
    listener: UnixListener,
}

fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))
}

/// The shim's ends of the container's stdio.
struct Streams {
    stdout: File,
    stderr: Option<File>,
    stdin: Option<File>,
    tty: Option<File>,
    tty_peer: Option<OwnedFd>,
}

/// Pipes: stdout and stderr read by the shim, stdin fed by attach clients or /dev/null.
fn pipe_stdio(stdin: bool) -> Result<(InitStdio, Streams), String> {
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let (stdin_child, stdin_ours) = if stdin {
        let (r, w) = pipe()?;
        (r, Some(File::from(w)))
    } else {
        let null = File::open("/dev/null").map_err(|e| format!("opening /dev/null: {e}"))?;
        (OwnedFd::from(null), None)
    };
    let stdio = InitStdio::Fds {
        stdin: stdin_child,
        stdout: out_w,
        stderr: err_w,
    };
    let streams = Streams {
        stdout: File::from(out_r),
        stderr: Some(File::from(err_r)),
        stdin: stdin_ours,
        tty: None,
        tty_peer: None,
    };
    Ok((stdio, streams))
}

/// A pty allocated by the init inside the container (its devpts); the master comes back over a
/// socketpair once the container is created, see [`finish_terminal`].
fn terminal_stdio(size: Option<oci_spec::runtime::Box>) -> Result<(InitStdio, OwnedFd), String> {
    let (ours, theirs) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::Stream,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|e| format!("socketpair: {e}"))?;
    let (rows, cols) = size
        .map(|s| {
            (
                u16::try_from(s.height()).unwrap_or(u16::MAX),
                u16::try_from(s.width()).unwrap_or(u16::MAX),
            )
        })
        .unwrap_or((0, 0));
    Ok((
        InitStdio::Terminal {
            socket: theirs,
            rows,
            cols,
        },
        ours,
    ))
}

/// The master carries the output one way and stdin (with `--stdin`) the other.
fn finish_terminal(stdin: bool, socket: &OwnedFd) -> Result<Streams, String> {
    let master =
        File::from(runtime::receive_pty_master(socket).map_err(|e| format!("receiving pty: {e}"))?);
    let clone = |f: &File| f.try_clone().map_err(|e| format!("dup pty: {e}"));
    let peer = sys::open_terminal_peer(master.as_fd()).map_err(|e| format!("pty peer: {e}"))?;
    Ok(Streams {
        stdout: clone(&master)?,
        stderr: None,
        stdin: if stdin { Some(clone(&master)?) } else { None },
        tty: Some(master),
        tty_peer: Some(peer),
    })
}

fn read_spec(bundle: &Path) -> Result<Spec, String> {
    let config_path = bundle.join("config.json");
    let raw = std::fs::read(&config_path)
        .map_err(|e| format!("reading {}: {e}", config_path.display()))?;
    serde_json::from_slice(&raw).map_err(|e| format!("parsing {}: {e}", config_path.display()))
}

/// The stdio of the process `spec` runs: a pty (sent back over the returned socket) or pipes.
type Stdio = (InitStdio, Option<Streams>, Option<OwnedFd>);

fn stdio_for(spec: &Spec, stdin: bool) -> Result<Stdio, String> {
    let terminal = spec
        .process()
        .as_ref()
        .and_then(|p| p.terminal())
        .unwrap_or(false);
    if terminal {
        let size = spec.process().as_ref().and_then(|p| p.console_size());
        let (stdio, socket) = terminal_stdio(size)?;
        Ok((stdio, None, Some(socket)))
    } else {
        let (stdio, streams) = pipe_stdio(stdin)?;
        Ok((stdio, Some(streams), None))
    }
}

/// Gives up on a created process: it exits (start pipe closed, SIGKILL) and is reaped; a
/// container's cgroup goes too, an exec's (the container's) stays.
fn abandon(container: runtime::CreatedContainer, remove_cgroup: bool, message: String) -> String {
    let pid = container.pid();
    let cgroup = container.cgroup();
    drop(container); // closes the start pipe: the init exits
    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
    if let (Some(cg), true) = (cgroup, remove_cgroup) {
        let _ = cg.remove();
    }
    message
}

fn create(opts: &ShimOptions) -> Result<Created, String> {
    let spec = read_spec(&opts.bundle)?;
    let cfg = InitConfig::from_spec(&spec, &opts.bundle).map_err(|e| e.to_string())?;
    let (stdio, pipes, pty_socket) = stdio_for(&spec, opts.stdin)?;
    let container = runtime::create(&cfg, stdio).map_err(|e| e.to_string())?;
    let fail = |c, message| abandon(c, true, message);
    if let Err(e) = write_atomic(
        &opts.bundle.join("init.pid"),
        container.pid().as_raw().to_string().as_bytes(),
    ) {
        return Err(fail(container, format!("writing init.pid: {e}")));
    }
    finish_create(
        container,
        cfg.new_pid_ns,
        pipes,
        pty_socket,
        opts.stdin,
        &opts.socket,
        fail,
    )
}

/// The container's spec with its process replaced by the exec's; what the exec leaves out
/// (rlimits, capabilities, env, no_new_privileges) is the container's.
fn exec_spec(mut spec: Spec, mut process: oci_spec::runtime::Process) -> Spec {
    if let Some(container) = spec.process().clone() {
        if process.rlimits().is_none() {
            process.set_rlimits(container.rlimits().clone());
        }
        if process.capabilities().is_none() {
            process.set_capabilities(container.capabilities().clone());
        }
        if process.env().is_none() {
            process.set_env(container.env().clone());
        }
        if process.no_new_privileges().is_none() {
            process.set_no_new_privileges(container.no_new_privileges());
        }
    }
    spec.set_process(Some(process));
    spec
}

fn create_exec(opts: &ExecOptions) -> Result<Created, String> {
    let spec = read_spec(&opts.bundle)?;
    let raw = std::fs::read(&opts.process)
        .map_err(|e| format!("reading {}: {e}", opts.process.display()))?;
    let process: oci_spec::runtime::Process = serde_json::from_slice(&raw)
        .map_err(|e| format!("parsing {}: {e}", opts.process.display()))?;
    let spec = exec_spec(spec, process);
    let cfg = InitConfig::from_spec(&spec, &opts.bundle).map_err(|e| e.to_string())?;
    let (stdio, pipes, pty_socket) = stdio_for(&spec, opts.stdin)?;
    let container = runtime::exec(&cfg, opts.container_pid, stdio).map_err(|e| e.to_string())?;
    let fail = |c, message| abandon(c, false, message);
    // The exec dies with the container's pid namespace; the shim never signals the cgroup.
    finish_create(
        container,
        true,
        pipes,
        pty_socket,
        opts.stdin,
        &opts.socket,
        fail,
    )
}

fn finish_create(
    container: runtime::CreatedContainer,
    new_pid_ns: bool,
    pipes: Option<Streams>,
    pty_socket: Option<OwnedFd>,
    stdin: bool,
    socket: &Path,
    fail: impl Fn(runtime::CreatedContainer, String) -> String,
) -> Result<Created, String> {
    let streams = match (pipes, pty_socket) {
        (Some(streams), _) => streams,
        (None, Some(pty)) => match finish_terminal(stdin, &pty) {
            Ok(streams) => streams,
            Err(e) => return Err(fail(container, e)),
        },
        (None, None) => return Err(fail(container, "no stdio".into())),
    };
    let listener = match bind(socket) {
        Ok(l) => l,
        Err(e) => {
            return Err(fail(
                container,
                format!("listening on {}: {e}", socket.display()),
            ))
        }
    };
    Ok(Created {
        container,
        new_pid_ns,
        stdout: streams.stdout,
        stderr: streams.stderr,
        stdin: streams.stdin,
        tty: streams.tty,
        tty_peer: streams.tty_peer,
        listener,
    })
}

/// (device, inode) of the socket file at `path`, to recognise our own socket later.
pub(crate) fn socket_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

fn bind(socket: &Path) -> std::io::Result<UnixListener> {
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    UnixListener::bind(socket)
}

/// Waits for the init, then: drain output, read the OOM counter, write exit.json, answer
/// waiters, close streams, remove the cgroup, and exit the process.
fn reap(shared: Arc<Shared>) {
    let (exit_code, signal) = wait_for_exit(&shared);
    // From here on the pty's EOF is the last container-side slave handle closing.
    lock(&shared.tty_peer).take();
    if shared.exec {
        finish_exec(&shared, exit_code, signal);
    } else {
        finish_container(&shared, exit_code, signal);
    }
    linger_and_exit(&shared);
}

fn wait_for_exit(shared: &Shared) -> (i32, Option<i32>) {
    let pid = Pid::from_raw(shared.pid);
    loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, code)) => return (code, None),
            Ok(WaitStatus::Signaled(_, sig, _)) => return (128 + sig as i32, Some(sig as i32)),
            Ok(_) | Err(nix::Error::EINTR) => continue,
            Err(e) => {
                eprintln!("berth-shim: waitpid: {e}");
                return (255, None);
            }
        }
    }
}

/// Waits until every output pipe reached EOF and a start in progress has its outcome.
fn drain_outputs(shared: &Shared) {
    let mut l = shared.lifecycle();
    while l.outputs_open > 0 {
        l = shared.changed.wait(l).unwrap_or_else(|p| p.into_inner());
    }
    drop(l);
    drop(lock(&shared.container));
}

/// An exec's end: output drained, then waiters answered. No exit.json (the container's), no
/// log, no cgroup to remove.
fn finish_exec(shared: &Shared, exit_code: i32, signal: Option<i32>) {
    drain_outputs(shared);
    let exit = ExitInfo {
        exit_code,
        signal,
        oom_killed: false,
        finished_at: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
        error: shared.lifecycle().start_error.clone(),
    };
    shared.update(|l| {
        l.status = Status::Stopped;
        l.exit = Some(exit);
    });
    shared.attach.close_all();
    lock(&shared.stdin).take();
}

fn finish_container(shared: &Shared, exit_code: i32, signal: Option<i32>) {
    // Without a pid namespace, leftover processes would keep the output pipes open forever.
    if !shared.new_pid_ns {
        if let Some(cg) = &shared.cgroup {
            let _ = cg.kill_all(Signal::SIGKILL);
        }
    }
    // A start in progress holds the container lock until its outcome is known.
    drain_outputs(shared);
    let oom_killed = shared
        .cgroup
        .as_ref()
        .and_then(|cg| cg.oom_kill_count().ok())
        .unwrap_or(0)
        > 0;
    let exit = ExitInfo {
        exit_code,
        signal,
        oom_killed,
        finished_at: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
        error: shared.lifecycle().start_error.clone(),
    };
    // exit.json is in place (complete, by rename) before anyone hears of the exit; the fsyncs
    // and the teardown of the container's mounts come after the answers.
    let pending = serde_json::to_vec(&exit)
        .map_err(std::io::Error::other)
        .and_then(|bytes| write_atomic_sync_later(&shared.opts.bundle.join("exit.json"), &bytes));
    if let Err(e) = &pending {
        eprintln!("berth-shim: writing exit.json: {e}");
    }
    shared.update(|l| {
        l.status = Status::Stopped;
        l.exit = Some(exit);
    });
    shared.attach.close_all();
    lock(&shared.stdin).take();
    if let Ok(pending) = pending {
        if let Err(e) = pending.sync() {
            eprintln!("berth-shim: syncing exit.json: {e}");
        }
    }
    lock(&shared.mount_ns).take();
    if let Some(cg) = &shared.cgroup {
        if let Err(e) = cg.remove() {
            eprintln!("berth-shim: removing cgroup: {e}");
        }
    }
}

/// Serves the connections already accepted (at most [`LINGER_MAX`]), removes the socket if it
/// is still ours, and exits the process.
fn linger_and_exit(shared: &Shared) -> ! {
    let exited_at = Instant::now();
    {
        let mut l = shared.lifecycle();
        while l.connections > 0 && exited_at.elapsed() < LINGER_MAX {
            let (guard, _) = shared
                .changed
                .wait_timeout(l, LINGER_MAX.saturating_sub(exited_at.elapsed()))
                .unwrap_or_else(|p| p.into_inner());
            l = guard;
        }
    }
    // A new shim for the same container (restart) may already have bound the path.
    if socket_identity(&shared.opts.socket) == shared.socket_identity {
        let _ = std::fs::remove_file(&shared.opts.socket);
    }
    std::process::exit(0);
}
