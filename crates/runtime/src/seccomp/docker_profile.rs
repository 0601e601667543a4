//! Docker's seccomp profile format (with `archMap` and per-rule `includes`/`excludes` by
//! capability, architecture and kernel version) resolved into an OCI `linux.seccomp` for one
//! container, as dockerd does when it builds the spec.

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg};
use serde::Deserialize;
use serde_json::json;

use super::SeccompError;

/// Docker's default profile (moby `profiles/seccomp/default.json`, Apache-2.0).
const DOCKER_DEFAULT_JSON: &str = include_str!("docker-default.json");

/// The capabilities a Docker container has by default (its bounding set).
pub const DOCKER_DEFAULT_CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    default_action: LinuxSeccompAction,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    arch_map: Vec<ArchMap>,
    #[serde(default, deserialize_with = "null_as_default")]
    architectures: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    syscalls: Vec<Syscall>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMap {
    architecture: String,
    #[serde(default, deserialize_with = "null_as_default")]
    sub_architectures: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Syscall {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    names: Vec<String>,
    action: LinuxSeccompAction,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    args: Vec<LinuxSeccompArg>,
    #[serde(default, deserialize_with = "null_as_default")]
    includes: Filter,
    #[serde(default, deserialize_with = "null_as_default")]
    excludes: Filter,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default, deserialize_with = "null_as_default")]
    caps: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    arches: Vec<String>,
    #[serde(default)]
    min_kernel: Option<String>,
}

/// Go's encoder writes empty lists as `null`; they mean the same as absent.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Docker's (Go's) name of this architecture and its libseccomp name.
fn native_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("arm64", "SCMP_ARCH_AARCH64"),
        _ => ("amd64", "SCMP_ARCH_X86_64"),
    }
}

/// (major, minor) of a `4.8`-style version.
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

fn running_kernel() -> Option<(u32, u32)> {
    parse_version(&std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?)
}

fn normalize_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    }
}

/// Whether the rule applies to a container with `caps` on this architecture and kernel.
fn applies(s: &Syscall, caps: &[String], kernel: Option<(u32, u32)>) -> Result<bool, SeccompError> {
    let (arch, _) = native_arch();
    let has = |c: &String| caps.contains(&normalize_cap(c));
    let min_kernel = |v: &Option<String>| -> Result<Option<(u32, u32)>, SeccompError> {
        v.as_deref()
            .map(|v| {
                parse_version(v).ok_or_else(|| SeccompError::Invalid(format!("minKernel {v:?}")))
            })
            .transpose()
    };
    if s.excludes.arches.iter().any(|a| a == arch) || s.excludes.caps.iter().any(has) {
        return Ok(false);
    }
    if let (Some(min), Some(k)) = (min_kernel(&s.excludes.min_kernel)?, kernel) {
        if k >= min {
            return Ok(false);
        }
    }
    if !s.includes.arches.is_empty() && !s.includes.arches.iter().any(|a| a == arch) {
        return Ok(false);
    }
    if !s.includes.caps.iter().all(has) {
        return Ok(false);
    }
    if let Some(min) = min_kernel(&s.includes.min_kernel)? {
        // An unknown kernel version is taken as new enough, as dockerd does not know better.
        if kernel.is_some_and(|k| k < min) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Resolves a profile in Docker's format (`--security-opt seccomp=profile.json`) for a
/// container whose bounding set is `capabilities` (`CAP_X` or `X` names).
pub fn docker_profile_to_oci(
    json: &[u8],
    capabilities: &[String],
) -> Result<LinuxSeccomp, SeccompError> {
    let profile: Profile =
        serde_json::from_slice(json).map_err(|e| SeccompError::Invalid(e.to_string()))?;
    let caps: Vec<String> = capabilities.iter().map(|c| normalize_cap(c)).collect();
    let kernel = running_kernel();
    let (_, scmp_arch) = native_arch();
    let mut architectures: Vec<String> = Vec::new();
    for m in &profile.arch_map {
        if m.architecture == scmp_arch {
            architectures.push(m.architecture.clone());
            architectures.extend(m.sub_architectures.iter().cloned());
        }
    }
    if profile.arch_map.is_empty() {
        architectures = profile.architectures.clone();
    }
    let mut syscalls = Vec::new();
    for s in &profile.syscalls {
        if !applies(s, &caps, kernel)? {
            continue;
        }
        let mut names = s.names.clone();
        if let Some(name) = &s.name {
            names.push(name.clone());
        }
        if names.is_empty() {
            continue;
        }
        let mut entry = json!({"names": names, "action": s.action, "args": s.args});
        if let Some(errno) = s.errno_ret {
            entry["errnoRet"] = errno.into();
        }
        syscalls.push(entry);
    }
    let mut oci = json!({
        "defaultAction": profile.default_action,
        "syscalls": syscalls,
    });
    if let Some(errno) = profile.default_errno_ret {
        oci["defaultErrnoRet"] = errno.into();
    }
    // Only architectures oci-spec knows are kept; the filter is built for the native one.
    let known: Vec<serde_json::Value> = architectures
        .into_iter()
        .map(serde_json::Value::from)
        .filter(|a| serde_json::from_value::<oci_spec::runtime::Arch>(a.clone()).is_ok())
        .collect();
    if !known.is_empty() {
        oci["architectures"] = known.into();
    }
    serde_json::from_value(oci).map_err(|e| SeccompError::Invalid(e.to_string()))
}

/// Docker's default profile for a container whose bounding set is `capabilities` (rules
/// such as `mount` or `unshare` come with CAP_SYS_ADMIN, as in Docker).
pub fn docker_default_profile_for(capabilities: &[String]) -> LinuxSeccomp {
    docker_profile_to_oci(DOCKER_DEFAULT_JSON.as_bytes(), capabilities).unwrap_or_else(|_| {
        // Unreachable with the embedded profile (a test parses it); failing closed anyway:
        // a profile that denies everything.
        let mut deny_all = LinuxSeccomp::default();
        deny_all.set_default_action(LinuxSeccompAction::ScmpActErrno);
        deny_all
    })
}

/// Docker's default profile for a container with Docker's default capabilities.
pub fn docker_default_profile() -> LinuxSeccomp {
    let caps: Vec<String> = DOCKER_DEFAULT_CAPABILITIES
        .iter()
        .map(|c| c.to_string())
        .collect();
    docker_default_profile_for(&caps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &LinuxSeccomp) -> Vec<String> {
        p.syscalls()
            .iter()
            .flatten()
            .flat_map(|s| s.names().clone())
            .collect()
    }

    #[test]
    fn default_profile_resolves_by_capabilities() {
        let embedded: Profile = serde_json::from_str(DOCKER_DEFAULT_JSON).unwrap();
        assert!(embedded.syscalls.len() > 20);
        let p = docker_default_profile();
        assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(p.default_errno_ret(), Some(1));
        let n = names(&p);
        assert!(n.contains(&"read".to_owned()) && n.contains(&"clone".to_owned()));
        // CAP_SYS_ADMIN-only calls are left out; clone3 is answered with ENOSYS.
        assert!(!n.contains(&"unshare".to_owned()) && !n.contains(&"mount".to_owned()));
        let clone3 = p
            .syscalls()
            .iter()
            .flatten()
            .find(|s| s.names().contains(&"clone3".to_owned()))
            .unwrap();
        assert_eq!(clone3.action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(clone3.errno_ret(), Some(38));
        // amd64-only rules are in, other architectures' out.
        assert!(n.contains(&"arch_prctl".to_owned()));
        assert!(!n.contains(&"s390_pci_mmio_read".to_owned()));

        let mut admin: Vec<String> = DOCKER_DEFAULT_CAPABILITIES
            .iter()
            .map(|c| c.to_string())
            .collect();
        admin.push("SYS_ADMIN".into());
        let with_admin = docker_default_profile_for(&admin);
        let n = names(&with_admin);
        assert!(n.contains(&"unshare".to_owned()) && n.contains(&"mount".to_owned()));
        // ... and clone3 is allowed, not ENOSYS.
        assert!(with_admin
            .syscalls()
            .iter()
            .flatten()
            .filter(|s| s.names().contains(&"clone3".to_owned()))
            .all(|s| s.action() == LinuxSeccompAction::ScmpActAllow));
        // The whole thing compiles.
        assert!(crate::seccomp::compile(&docker_default_profile()).is_ok());
    }

    #[test]
    fn min_kernel_and_bad_profiles() {
        assert_eq!(parse_version("6.18.44-fc"), Some((6, 18)));
        assert_eq!(parse_version("4.8"), Some((4, 8)));
        assert!(docker_profile_to_oci(b"{", &[]).is_err());
        let p = docker_profile_to_oci(
            br#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"99.0"}},
                {"name":"rmdir","action":"SCMP_ACT_ERRNO"}]}"#,
            &[],
        )
        .unwrap();
        assert_eq!(names(&p), ["rmdir"]);
    }
}
