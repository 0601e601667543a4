//! System call names to numbers for the architecture berth runs on.

#[cfg(target_arch = "x86_64")]
use super::syscalls_x86_64::SYSCALLS;

/// No table for this architecture yet: every name is unknown, so compiling a profile fails.
#[cfg(not(target_arch = "x86_64"))]
const SYSCALLS: &[(&str, i64)] = &[];

/// The number of the syscall `name` on this architecture, None when it has no such call (a
/// profile names calls of every architecture; those are skipped, as libseccomp does).
pub fn syscall_number(name: &str) -> Option<i64> {
    SYSCALLS
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| SYSCALLS[i].1)
}

/// Whether this architecture has a table at all.
pub(crate) fn supported() -> bool {
    !SYSCALLS.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn names_resolve_to_x86_64_numbers() {
        assert!(SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        assert_eq!(syscall_number("read"), Some(libc::SYS_read));
        assert_eq!(syscall_number("mkdir"), Some(libc::SYS_mkdir));
        assert_eq!(syscall_number("unshare"), Some(libc::SYS_unshare));
        assert_eq!(syscall_number("clone3"), Some(libc::SYS_clone3));
        assert_eq!(syscall_number("fchmodat2"), Some(452));
        assert_eq!(syscall_number("chown32"), None);
    }
}
