//! Builds the OCI runtime spec (`config.json`) the shim runs.

use std::path::Path;

use api::HostConfig;
use oci_spec::runtime::Spec;
use serde_json::{json, Value};

use crate::error::{EngineError, Result};
use crate::paths::ContainerFiles;
use crate::user::ResolvedUser;

/// Annotation holding the overlay mount data (docs/architecture.md, "The shim contract").
pub const OVERLAY_ANNOTATION: &str = "org.berth.rootfs.overlay";

/// Docker's default capability set.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
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

const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
];

const READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// What the spec is built from.
pub struct SpecInput<'a> {
    pub container_dir: &'a Path,
    pub argv: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: ResolvedUser,
    pub hostname: String,
    pub host_config: &'a HostConfig,
    pub cgroups_path: String,
    pub overlay_mount_data: String,
    pub tty: bool,
}

/// Whether the container shares the host's network namespace.
pub fn is_host_network(hc: &HostConfig) -> bool {
    hc.network_mode == "host"
}

/// The spec as JSON, validated by parsing it as an `oci_spec::runtime::Spec`.
pub fn build_spec(input: &SpecInput<'_>) -> Result<Vec<u8>> {
    let value = spec_value(input);
    let spec: Spec = serde_json::from_value(value)
        .map_err(|e| EngineError::Internal(format!("invalid runtime spec: {e}")))?;
    serde_json::to_vec_pretty(&spec)
        .map_err(|e| EngineError::Internal(format!("encode runtime spec: {e}")))
}

fn spec_value(input: &SpecInput<'_>) -> Value {
    let files = ContainerFiles(input.container_dir);
    let hc = input.host_config;
    let caps: Vec<&str> = DEFAULT_CAPABILITIES.to_vec();
    let mut namespaces = vec![
        json!({"type": "pid"}),
        json!({"type": "mount"}),
        json!({"type": "uts"}),
        json!({"type": "ipc"}),
    ];
    if !is_host_network(hc) {
        namespaces.push(json!({"type": "network"}));
    }
    let mut mounts = vec![
        json!({"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}),
        json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}),
        json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", format!("size={}", shm_size(hc))]}),
    ];
    for (dest, src) in [
        ("/etc/resolv.conf", files.resolv_conf()),
        ("/etc/hostname", files.hostname()),
        ("/etc/hosts", files.hosts()),
    ] {
        mounts.push(json!({"destination": dest, "type": "bind", "source": src, "options": ["rbind", "rprivate"]}));
    }
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": input.tty,
            "user": {"uid": input.user.uid, "gid": input.user.gid, "additionalGids": input.user.additional_gids},
            "args": input.argv,
            "env": input.env,
            "cwd": input.cwd,
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576u64, "soft": 1048576u64}],
            "noNewPrivileges": false
        },
        "root": {"path": files.rootfs(), "readonly": hc.readonly_rootfs},
        "hostname": input.hostname,
        "mounts": mounts,
        "linux": {
            "namespaces": namespaces,
            "cgroupsPath": input.cgroups_path,
            "resources": resources(hc),
            "maskedPaths": MASKED_PATHS,
            "readonlyPaths": READONLY_PATHS
        },
        "annotations": {OVERLAY_ANNOTATION: input.overlay_mount_data}
    })
}

fn shm_size(hc: &HostConfig) -> i64 {
    if hc.shm_size > 0 {
        hc.shm_size
    } else {
        64 * 1024 * 1024
    }
}

/// `linux.resources` from the HostConfig limits.
pub fn resources(hc: &HostConfig) -> Value {
    let mut r = serde_json::Map::new();
    if hc.memory > 0 {
        let mut mem = json!({"limit": hc.memory});
        if hc.memory_swap != 0 {
            mem["swap"] = json!(hc.memory_swap);
        }
        r.insert("memory".into(), mem);
    }
    let mut cpu = serde_json::Map::new();
    if hc.nano_cpus > 0 {
        cpu.insert(
            "quota".into(),
            json!(hc.nano_cpus * 100_000 / 1_000_000_000),
        );
        cpu.insert("period".into(), json!(100_000u64));
    } else {
        if hc.cpu_quota > 0 {
            cpu.insert("quota".into(), json!(hc.cpu_quota));
        }
        if hc.cpu_period > 0 {
            cpu.insert("period".into(), json!(hc.cpu_period));
        }
    }
    if hc.cpu_shares > 0 {
        cpu.insert("shares".into(), json!(hc.cpu_shares));
    }
    if !cpu.is_empty() {
        r.insert("cpu".into(), Value::Object(cpu));
    }
    if let Some(limit) = hc.pids_limit.filter(|l| *l > 0) {
        r.insert("pids".into(), json!({"limit": limit}));
    }
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(dir: &'a Path, hc: &'a HostConfig) -> SpecInput<'a> {
        SpecInput {
            container_dir: dir,
            argv: vec!["echo".into(), "hi".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/".into(),
            user: ResolvedUser {
                uid: 0,
                gid: 0,
                additional_gids: vec![],
                home: "/root".into(),
            },
            hostname: "abcdef012345".into(),
            host_config: hc,
            cgroups_path: "/berth/x".into(),
            overlay_mount_data: "lowerdir=/l,upperdir=/u,workdir=/w".into(),
            tty: false,
        }
    }

    #[test]
    fn spec_parses_as_oci_and_carries_limits() {
        let hc = HostConfig {
            memory: 64 << 20,
            nano_cpus: 1_500_000_000,
            pids_limit: Some(20),
            cpu_shares: 512,
            ..Default::default()
        };
        let dir = Path::new("/tmp/c");
        let bytes = build_spec(&input(dir, &hc)).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["linux"]["resources"]["memory"]["limit"], 64 << 20);
        assert_eq!(v["linux"]["resources"]["cpu"]["quota"], 150_000);
        assert_eq!(v["linux"]["resources"]["cpu"]["period"], 100_000);
        assert_eq!(v["linux"]["resources"]["cpu"]["shares"], 512);
        assert_eq!(v["linux"]["resources"]["pids"]["limit"], 20);
        assert_eq!(
            v["annotations"][OVERLAY_ANNOTATION],
            "lowerdir=/l,upperdir=/u,workdir=/w"
        );
        assert_eq!(v["linux"]["cgroupsPath"], "/berth/x");
        let ns: Vec<&str> = v["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert!(ns.contains(&"network"));
        assert_eq!(v["root"]["path"], "/tmp/c/rootfs");
    }

    #[test]
    fn host_network_has_no_netns() {
        let hc = HostConfig {
            network_mode: "host".into(),
            ..Default::default()
        };
        let bytes = build_spec(&input(Path::new("/tmp/c"), &hc)).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let ns: Vec<&str> = v["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert!(!ns.contains(&"network"));
        assert!(v["linux"]["resources"].get("memory").is_none());
    }
}
