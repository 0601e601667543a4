//! `linux.sysctl`: kernel parameters written under `/proc/sys` inside the container, before
//! `/proc/sys` is made read-only. Only parameters scoped to a namespace the container owns are
//! accepted (runc's rule): anything else would change the host.

use nix::sched::CloneFlags;

/// IPC-namespaced parameters (besides `fs.mqueue.*`).
const IPC_SYSCTLS: &[&str] = &[
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

/// Checks `key` against the namespaces the container has of its own (`owned`: the unshared or
/// joined namespace flags); the error is the message for the spec's validation.
pub(crate) fn check(key: &str, owned: CloneFlags) -> Result<(), String> {
    let ipc = IPC_SYSCTLS.contains(&key) || key.starts_with("fs.mqueue.");
    let allowed = if ipc {
        owned.contains(CloneFlags::CLONE_NEWIPC)
    } else if key.starts_with("net.") {
        owned.contains(CloneFlags::CLONE_NEWNET)
    } else if key == "kernel.hostname" || key == "kernel.domainname" {
        owned.contains(CloneFlags::CLONE_NEWUTS)
    } else {
        return Err(format!(
            "sysctl {key:?} is not in a separate kernel namespace"
        ));
    };
    if !allowed {
        return Err(format!(
            "sysctl {key:?} is not allowed: the container shares that namespace with the host"
        ));
    }
    if key.split('.').any(|part| part.is_empty() || part == "..") || key.contains('/') {
        return Err(format!("invalid sysctl name {key:?}"));
    }
    Ok(())
}

/// Writes each parameter through the container's `/proc` (after pivot_root).
pub(crate) fn apply(sysctls: &[(String, String)]) -> Result<(), String> {
    for (key, value) in sysctls {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        std::fs::write(&path, value.as_bytes())
            .map_err(|e| format!("setting sysctl {key}={value}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_namespaced_parameters_pass() {
        let all = CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWUTS;
        assert!(check("net.ipv4.ip_unprivileged_port_start", all).is_ok());
        assert!(check("net.core.somaxconn", all).is_ok());
        assert!(check("kernel.shmmax", all).is_ok());
        assert!(check("fs.mqueue.msg_max", all).is_ok());
        assert!(check("kernel.domainname", all).is_ok());
        assert!(check("kernel.panic", all).is_err());
        assert!(check("vm.swappiness", all).is_err());
        assert!(check("net.core.somaxconn", CloneFlags::CLONE_NEWIPC).is_err());
        assert!(check("kernel.shmmax", CloneFlags::CLONE_NEWNET).is_err());
        assert!(check("net..ipv4", all).is_err());
        assert!(check("net.ipv4/../../kernel", all).is_err());
    }
}
