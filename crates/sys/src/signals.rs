//! Signal dispositions and descriptor hygiene around fork/exec.

use nix::sys::signal::{SigHandler, Signal};

/// Ignores `sig` (SIG_IGN) for the whole process.
pub fn ignore_signal(sig: Signal) -> nix::Result<()> {
    // SAFETY: SIG_IGN installs no Rust handler, so no async-signal-safety concern arises.
    unsafe { nix::sys::signal::signal(sig, SigHandler::SigIgn) }.map(|_| ())
}

/// Restores the default disposition of `sig` (used in the container init before exec, since
/// ignored signals would otherwise stay ignored across execve).
pub fn reset_signal_default(sig: Signal) -> nix::Result<()> {
    // SAFETY: SIG_DFL installs no Rust handler.
    unsafe { nix::sys::signal::signal(sig, SigHandler::SigDfl) }.map(|_| ())
}

/// Marks every descriptor >= `first` close-on-exec, so nothing of the parent leaks into the
/// container's program.
pub fn mark_fds_cloexec_from(first: u32) -> std::io::Result<()> {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only changes descriptor flags; it closes
    // nothing, so no owned descriptor is invalidated.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
