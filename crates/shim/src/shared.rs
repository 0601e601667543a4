//! State shared by the shim's threads after the handshake.

use std::fs::File;
use std::sync::{Condvar, Mutex, MutexGuard};

use std::sync::Arc;

use cgroups::CgroupManager;
use runtime::CreatedContainer;

use crate::output::AttachRegistry;
use crate::protocol::{ExitInfo, Status};
use crate::ShimOptions;

pub(crate) struct Lifecycle {
    pub status: Status,
    pub exit: Option<ExitInfo>,
    /// Why `start` failed, recorded into exit.json.
    pub start_error: Option<String>,
    /// Output pipes not yet at EOF.
    pub outputs_open: u8,
    /// Connections being served; the shim lingers for them before exiting.
    pub connections: usize,
}

pub(crate) struct Shared {
    pub opts: ShimOptions,
    pub pid: i32,
    /// Held during `start` (which blocks until execve), so the reaper can wait for it.
    pub container: Mutex<CreatedContainer>,
    pub cgroup: Option<Arc<dyn CgroupManager>>,
    /// Keeps the container's mount namespace alive until the waiters are answered, so the
    /// overlay unmount (a sync of the upper filesystem) is not on the exit path.
    pub mount_ns: Mutex<Option<File>>,
    /// (device, inode) of our socket file; removed at exit only if still ours.
    pub socket_identity: Option<(u64, u64)>,
    pub new_pid_ns: bool,
    /// An exec shim: no exit.json, no cgroup of its own.
    pub exec: bool,
    pub lifecycle: Mutex<Lifecycle>,
    pub changed: Condvar,
    pub attach: AttachRegistry,
    /// The pty master of a TTY container (for resize).
    pub tty: Option<File>,
    /// A slave handle of the pty held until the init is reaped: the master then reads EIO
    /// only after everything the container wrote (a slave closed by the exiting process itself
    /// could race its last output).
    pub tty_peer: Mutex<Option<std::os::fd::OwnedFd>>,
    /// Write end of the container's stdin pipe (None without `--stdin` or once closed).
    pub stdin: Mutex<Option<File>>,
}

impl Shared {
    pub fn lifecycle(&self) -> MutexGuard<'_, Lifecycle> {
        // A poisoned lock means a thread panicked mid-update; the data is still the best we have.
        self.lifecycle.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn update(&self, f: impl FnOnce(&mut Lifecycle)) {
        let mut l = self.lifecycle();
        f(&mut l);
        drop(l);
        self.changed.notify_all();
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
