//! Installing a seccomp BPF program without touching no_new_privs (seccompiler's own
//! `apply_filter` always sets it, which would stop setuid binaries such as `su` or `ping` in
//! containers that Docker runs without `no-new-privileges`).

use std::io;

/// Installs `program` (classic BPF) as a seccomp filter of the calling thread with
/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, …)`. Without no_new_privs the caller needs
/// CAP_SYS_ADMIN.
pub fn install_seccomp_filter(program: &[libc::sock_filter]) -> io::Result<()> {
    if program.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "empty seccomp program",
        ));
    }
    let len = u16::try_from(program.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "seccomp program too long"))?;
    let prog = libc::sock_fprog {
        len,
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `prog` points to `len` valid instructions borrowed for the duration of the call;
    // the kernel copies the program and does not write through the pointer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0 as libc::c_ulong,
            &prog as *const libc::sock_fprog,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
