//! `fork(2)` for a process that is known to be single-threaded.

use nix::unistd::{ForkResult, Pid};

/// Which side of the fork we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    Parent { child: Pid },
    Child,
}

#[derive(Debug, thiserror::Error)]
pub enum ForkError {
    #[error("refusing to fork: the process has {0} threads (forking a multi-threaded process is unsound)")]
    MultiThreaded(usize),
    #[error("fork: {0}")]
    Fork(#[from] nix::Error),
    #[error("counting threads: {0}")]
    Threads(#[from] std::io::Error),
}

/// Number of threads of the calling process (entries of /proc/self/task).
pub fn thread_count() -> std::io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}

/// Forks the calling process. Refuses when more than one thread exists: in a multi-threaded
/// process the child could inherit locks (malloc, stdio) held by threads that no longer exist.
pub fn fork_single_threaded() -> Result<Forked, ForkError> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(ForkError::MultiThreaded(threads));
    }
    // SAFETY: the process has exactly one thread (checked just above, and only this thread could
    // create another), so the child inherits no lock held by a vanished thread and may run
    // arbitrary Rust code.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Parent { child } => Ok(Forked::Parent { child }),
        ForkResult::Child => Ok(Forked::Child),
    }
}
