//! Setting the NIS domain name of the current UTS namespace (what `hostname -d` and
//! `uname -n`'s sibling field show); nix wraps sethostname but not setdomainname.

use std::io;

/// setdomainname(2) in the calling thread's UTS namespace.
pub fn set_domainname(name: &str) -> io::Result<()> {
    // SAFETY: the pointer and length describe `name`'s bytes, which outlive the call; the kernel
    // copies at most `len` bytes and needs no terminating NUL.
    let rc = unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
