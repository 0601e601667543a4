//! Running code inside another process's network namespace.
//!
//! A netlink or IP socket belongs to the netns of the thread that creates it, and `setns(CLONE_NEWNET)` only moves
//! the calling thread. So the work runs on a fresh std thread that joins the namespace and exits afterwards; no
//! thread of the caller's runtime ever changes namespace.

use std::fs::File;
use std::future::Future;

use nix::sched::{setns, CloneFlags};
use tokio::sync::oneshot;

use crate::NetworkError;

/// Opens /proc/<pid>/ns/net (done on the caller's thread, so a vanished process fails early and clearly).
fn open_netns(pid: i32) -> Result<File, NetworkError> {
    if pid <= 0 {
        return Err(NetworkError::InvalidArgument(format!("invalid pid {pid}")));
    }
    let path = format!("/proc/{pid}/ns/net");
    File::open(&path).map_err(|e| NetworkError::internal(&format!("open {path}"), e))
}

/// Runs the blocking closure `work` on a new thread inside the netns of `pid` and returns its result.
pub(crate) async fn run_in_netns<T, W>(pid: i32, work: W) -> Result<T, NetworkError>
where
    T: Send + 'static,
    W: FnOnce() -> Result<T, NetworkError> + Send + 'static,
{
    let ns = open_netns(pid)?;
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name(format!("netns-{pid}"))
        .spawn(move || {
            let result = setns(&ns, CloneFlags::CLONE_NEWNET)
                .map_err(|e| {
                    NetworkError::internal(&format!("setns into the netns of pid {pid}"), e)
                })
                .and_then(|()| work());
            // The receiver is gone only if the caller was cancelled; nothing to report then.
            let _ = tx.send(result);
        })
        .map_err(|e| NetworkError::internal("spawn a netns thread", e))?;
    rx.await
        .map_err(|_| NetworkError::Internal("the netns thread died without an answer".into()))?
}

/// Runs the future made by `make` inside the netns of `pid`, on a current-thread runtime owned by that thread.
pub(crate) async fn run_async_in_netns<T, M, F>(pid: i32, make: M) -> Result<T, NetworkError>
where
    T: Send + 'static,
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = Result<T, NetworkError>>,
{
    run_in_netns(pid, move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| NetworkError::internal("build a runtime for the netns thread", e))?;
        runtime.block_on(make())
    })
    .await
}
