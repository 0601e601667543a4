//! Test fixtures shared by the end-to-end tests: a busybox image built from the host's static
//! busybox, a real daemon on temporary roots, a raw HTTP client, and the root requirement.

pub mod bins;
pub mod busybox;
pub mod daemon;
pub mod http;
pub mod net_probe;
pub mod net_slot;
pub mod registry;

pub use bins::bin_path;
pub use busybox::busybox_rootfs_tar;
pub use daemon::{eventually, output_within, write_scratch, Daemon, COMMAND_TIMEOUT};
pub use http::Response;
pub use net_slot::NetSlot;
pub use registry::{Registry, TokenAuth};

/// Skips the calling test (with a message) unless it runs as root: namespaces, cgroups and
/// overlayfs need it. CI runs as root, so there these tests always run.
#[macro_export]
macro_rules! require_root {
    () => {
        if !$crate::is_root() {
            eprintln!("skipped: needs root");
            return;
        }
    };
}

/// Whether the current process is root.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// A command's stdout as text (lossy), for assertions and messages.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A command's stderr as text (lossy), for assertions and messages.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The stderr of a command that must have failed.
#[track_caller]
pub fn expect_failure(out: impl std::borrow::Borrow<std::process::Output>) -> String {
    let out = out.borrow();
    assert_ne!(
        out.status.code(),
        Some(0),
        "unexpected success: {}",
        stdout(out)
    );
    stderr(out)
}

/// Seconds since the Unix epoch, as the API's `since`/`until` take them.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The stdout of a command that must have exited 0; otherwise the test fails showing both streams.
#[track_caller]
pub fn expect_success(out: impl std::borrow::Borrow<std::process::Output>) -> String {
    let out = out.borrow();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}
