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

/// Docker's default capability set (one list, kept beside the seccomp profile it conditions).
pub use runtime::seccomp::DOCKER_DEFAULT_CAPABILITIES as DEFAULT_CAPABILITIES;

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
    /// `Config.Domainname`; empty leaves the kernel's default (`(none)`).
    pub domainname: String,
    pub host_config: &'a HostConfig,
    pub cgroups_path: String,
    pub overlay_mount_data: String,
    pub tty: bool,
    /// The container's own mounts (volumes, binds, tmpfs) as OCI mounts, in mount order; one at
    /// a destination of a default mount (`/dev/shm`, `/etc/hosts`...) replaces it.
    pub mounts: Vec<Value>,
}

/// Where `HostConfig.Init` puts the init binary inside the container (dockerd's path).
pub const DOCKER_INIT_IN_CONTAINER: &str = "/sbin/docker-init";

/// The host's `docker-init` (tini) from berthd's PATH, as dockerd's default `--init-path`.
fn docker_init_binary() -> Option<std::path::PathBuf> {
    docker_init_in(&std::env::var_os("PATH")?)
}

/// `docker-init`, else Debian's `tini-static` (the binary docker-init is a link to there): the
/// init runs inside any image, so only a static tini will do.
fn docker_init_in(path: &std::ffi::OsStr) -> Option<std::path::PathBuf> {
    ["docker-init", "tini-static"].iter().find_map(|name| {
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// `HostConfig.Init`: the process runs under docker-init (`/sbin/docker-init -- <argv>`, the
/// binary bind-mounted read-only), which reaps zombies and forwards signals to a process that
/// would ignore SIGTERM as pid 1 (docker-compose's `init: true`).
pub fn apply_init(hc: &HostConfig, argv: &mut Vec<String>, mounts: &mut Vec<Value>) -> Result<()> {
    if hc.init != Some(true) {
        return Ok(());
    }
    let binary = docker_init_binary().ok_or_else(|| {
        EngineError::InvalidArgument(
            "--init: docker-init binary not found in berthd's PATH".to_string(),
        )
    })?;
    argv.splice(
        0..0,
        [DOCKER_INIT_IN_CONTAINER.to_string(), "--".to_string()],
    );
    mounts.push(json!({"destination": DOCKER_INIT_IN_CONTAINER, "type": "bind", "source": binary, "options": ["bind", "ro"]}));
    Ok(())
}

/// Whether the container shares the host's network namespace.
pub fn is_host_network(hc: &HostConfig) -> bool {
    hc.network_mode == "host"
}

/// The spec as JSON, validated by parsing it as an `oci_spec::runtime::Spec`.
pub fn build_spec(input: &SpecInput<'_>) -> Result<Vec<u8>> {
    let mut value = spec_value(input);
    let devices = host_devices(input.host_config)?;
    if !devices.is_empty() {
        value["linux"]["devices"] = Value::Array(devices);
    }
    let spec: Spec = serde_json::from_value(value)
        .map_err(|e| EngineError::Internal(format!("invalid runtime spec: {e}")))?;
    serde_json::to_vec_pretty(&spec)
        .map_err(|e| EngineError::Internal(format!("encode runtime spec: {e}")))
}

/// `HostConfig.Devices` (`--device`, docker-compose's `devices:`) as `linux.devices`: the host
/// node's type, numbers, mode and owner at `PathInContainer` (default: the same path); the
/// runtime creates the node and allows it in the device cgroup.
fn host_devices(hc: &HostConfig) -> Result<Vec<Value>> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut out = Vec::new();
    for d in hc.devices.iter().flatten() {
        let host = d
            .get("PathOnHost")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let inside = d
            .get("PathInContainer")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .unwrap_or(host);
        let md = std::fs::metadata(host).map_err(|e| {
            EngineError::InvalidArgument(format!(
                "error gathering device information while adding custom device {host:?}: {e}"
            ))
        })?;
        let typ = if md.file_type().is_char_device() {
            "c"
        } else if md.file_type().is_block_device() {
            "b"
        } else {
            return Err(EngineError::InvalidArgument(format!(
                "error gathering device information while adding custom device {host:?}: not a device node"
            )));
        };
        let rdev = md.rdev();
        // glibc's major()/minor() encoding of dev_t.
        let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
        let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
        out.push(json!({
            "path": inside, "type": typ, "major": major, "minor": minor,
            "fileMode": md.mode() & 0o7777, "uid": md.uid(), "gid": md.gid()
        }));
    }
    Ok(out)
}

/// The capability set: all with `--privileged`, else Docker's defaults with `--cap-add`/`--cap-drop`
/// applied (names with or without `CAP_`, any case, and `ALL`).
pub fn capabilities(hc: &HostConfig) -> Vec<String> {
    let normalize = |c: &String| {
        let upper = c.to_ascii_uppercase();
        if upper == "ALL" || upper.starts_with("CAP_") {
            upper
        } else {
            format!("CAP_{upper}")
        }
    };
    // "All" is what the daemon itself holds, as Docker does: root may lack some (this host's
    // root has no CAP_SYS_RESOURCE) and asking for more would fail the container's capset.
    let all: Vec<String> = {
        let held = caps::read(None, caps::CapSet::Bounding).unwrap_or_else(|_| caps::all());
        let mut all: Vec<String> = held.iter().map(|c| c.to_string()).collect();
        all.sort();
        all
    };
    if hc.privileged {
        return all;
    }
    let add: Vec<String> = hc.cap_add.iter().flatten().map(normalize).collect();
    let drop: Vec<String> = hc.cap_drop.iter().flatten().map(normalize).collect();
    let mut set: Vec<String> = if add.iter().any(|c| c == "ALL") {
        all
    } else {
        DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect()
    };
    if drop.iter().any(|c| c == "ALL") {
        set.clear();
    }
    set.retain(|c| !drop.contains(c));
    for c in add {
        if c != "ALL" && !set.contains(&c) {
            set.push(c);
        }
    }
    set
}

/// Whether Docker's default seccomp profile applies: not for `--privileged` nor
/// `--security-opt seccomp=unconfined`.
pub fn wants_default_seccomp(hc: &HostConfig) -> bool {
    let unconfined = hc
        .security_opt
        .iter()
        .flatten()
        .any(|o| o == "seccomp=unconfined" || o == "seccomp:unconfined");
    !hc.privileged && !unconfined
}

/// `--security-opt no-new-privileges[:true|=true]` (docker-compose's `security_opt`); the last
/// one given wins, as dockerd parses them in order.
fn no_new_privileges(hc: &HostConfig) -> bool {
    let mut on = false;
    for opt in hc.security_opt.iter().flatten() {
        let (key, value) = opt.split_once([':', '=']).unwrap_or((opt.as_str(), "true"));
        if key == "no-new-privileges" {
            on = value.eq_ignore_ascii_case("true");
        }
    }
    on
}

/// Docker's default seccomp profile as OCI JSON for this capability set; the profile for Docker's
/// default capabilities is built once.
fn seccomp_value(caps: &[String]) -> Value {
    static DEFAULT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let build = |caps: &[String]| {
        serde_json::to_value(runtime::seccomp::docker_default_profile_for(caps))
            .unwrap_or(Value::Null)
    };
    let defaults: Vec<String> = DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect();
    if caps == defaults.as_slice() {
        DEFAULT.get_or_init(|| build(caps)).clone()
    } else {
        build(caps)
    }
}

fn spec_value(input: &SpecInput<'_>) -> Value {
    let files = ContainerFiles(input.container_dir);
    let hc = input.host_config;
    let caps = capabilities(hc);
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
    let user_destinations: Vec<&str> = input
        .mounts
        .iter()
        .filter_map(|m| m.get("destination").and_then(Value::as_str))
        .collect();
    mounts.retain(|m| {
        m.get("destination")
            .and_then(Value::as_str)
            .is_none_or(|d| !user_destinations.contains(&d))
    });
    mounts.extend(input.mounts.iter().cloned());
    let (masked, readonly): (&[&str], &[&str]) = if hc.privileged {
        (&[], &[])
    } else {
        (MASKED_PATHS, READONLY_PATHS)
    };
    let mut spec = json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": input.tty,
            "user": {"uid": input.user.uid, "gid": input.user.gid, "additionalGids": input.user.additional_gids},
            "args": input.argv,
            "env": input.env,
            "cwd": input.cwd,
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "rlimits": rlimits(hc),
            "noNewPrivileges": no_new_privileges(hc)
        },
        "root": {"path": files.rootfs(), "readonly": hc.readonly_rootfs},
        "hostname": input.hostname,
        "mounts": mounts,
        "linux": {
            "namespaces": namespaces,
            "cgroupsPath": input.cgroups_path,
            "resources": resources(hc),
            "maskedPaths": masked,
            "readonlyPaths": readonly
        },
        "annotations": {OVERLAY_ANNOTATION: input.overlay_mount_data}
    });
    if wants_default_seccomp(hc) {
        spec["linux"]["seccomp"] = seccomp_value(&caps);
    }
    if let Some(sysctls) = hc.sysctls.as_ref().filter(|s| !s.is_empty()) {
        spec["linux"]["sysctl"] = json!(sysctls);
    }
    if !input.domainname.is_empty() {
        spec["domainname"] = json!(input.domainname);
    }
    spec
}

/// Resource names `HostConfig.Ulimits` may set (go-units' list); dockerd makes each
/// `RLIMIT_<NAME>`.
const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// `process.rlimits`: the default open-file limit, overridden or extended by `HostConfig.Ulimits`
/// (`{"Name":"nofile","Soft":1024,"Hard":2048}`); entries with another name are skipped.
fn rlimits(hc: &HostConfig) -> Vec<Value> {
    let mut limits = vec![("nofile".to_string(), 1_048_576i64, 1_048_576i64)];
    for ulimit in hc.ulimits.iter().flatten() {
        let name = ulimit
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ULIMIT_NAMES.contains(&name) {
            continue;
        }
        let soft = ulimit.get("Soft").and_then(Value::as_i64).unwrap_or(0);
        let hard = ulimit.get("Hard").and_then(Value::as_i64).unwrap_or(0);
        limits.retain(|(n, _, _)| n != name);
        limits.push((name.to_string(), soft, hard));
    }
    limits
        .into_iter()
        .map(|(name, soft, hard)| {
            json!({"type": format!("RLIMIT_{}", name.to_uppercase()), "hard": hard, "soft": soft})
        })
        .collect()
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

    #[test]
    fn init_runs_the_process_under_docker_init() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(docker_init_in(dir.path().as_os_str()), None);
        std::fs::write(dir.path().join("tini-static"), b"").unwrap();
        assert_eq!(
            docker_init_in(dir.path().as_os_str()),
            Some(dir.path().join("tini-static"))
        );
        std::fs::write(dir.path().join("docker-init"), b"").unwrap();
        let path = std::env::join_paths(["/nonexistent".as_ref(), dir.path()]).unwrap();
        assert_eq!(docker_init_in(&path), Some(dir.path().join("docker-init")));

        let mut argv = vec!["httpd".to_string(), "-f".to_string()];
        let mut mounts = Vec::new();
        apply_init(&HostConfig::default(), &mut argv, &mut mounts).unwrap();
        assert_eq!(argv, ["httpd", "-f"]);
        assert!(mounts.is_empty());
        let hc = HostConfig {
            init: Some(true),
            ..Default::default()
        };
        match apply_init(&hc, &mut argv, &mut mounts) {
            Ok(()) => {
                assert_eq!(argv, ["/sbin/docker-init", "--", "httpd", "-f"]);
                assert_eq!(mounts[0]["destination"], "/sbin/docker-init");
                assert_eq!(mounts[0]["options"], json!(["bind", "ro"]));
            }
            Err(e) => {
                assert!(docker_init_binary().is_none(), "{e}");
                assert_eq!(argv, ["httpd", "-f"]);
            }
        }
    }

    #[test]
    fn ulimits_override_the_default_nofile_and_add_others() {
        let hc = HostConfig {
            ulimits: Some(vec![
                json!({"Name": "nofile", "Soft": 321, "Hard": 322}),
                json!({"Name": "nproc", "Soft": 50, "Hard": 60}),
                json!({"Name": "bogus", "Soft": 1, "Hard": 1}),
            ]),
            ..Default::default()
        };
        assert_eq!(
            rlimits(&hc),
            vec![
                json!({"type": "RLIMIT_NOFILE", "hard": 322, "soft": 321}),
                json!({"type": "RLIMIT_NPROC", "hard": 60, "soft": 50}),
            ]
        );
        assert_eq!(
            rlimits(&HostConfig::default()),
            vec![json!({"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576})]
        );
    }

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
            domainname: String::new(),
            host_config: hc,
            cgroups_path: "/berth/x".into(),
            overlay_mount_data: "lowerdir=/l,upperdir=/u,workdir=/w".into(),
            tty: false,
            mounts: Vec::new(),
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
        assert!(v.get("domainname").is_none());
    }

    #[test]
    fn domainname_reaches_the_spec() {
        let hc = HostConfig::default();
        let dir = Path::new("/tmp/c");
        let mut with = input(dir, &hc);
        with.domainname = "example.org".into();
        let bytes = build_spec(&with).unwrap();
        let spec: oci_spec::runtime::Spec = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(spec.domainname().as_deref(), Some("example.org"));
    }

    #[test]
    fn no_new_privileges_security_opt() {
        let with = |opts: &[&str]| HostConfig {
            security_opt: Some(opts.iter().map(|o| o.to_string()).collect()),
            ..Default::default()
        };
        assert!(!no_new_privileges(&HostConfig::default()));
        assert!(no_new_privileges(&with(&["no-new-privileges"])));
        assert!(no_new_privileges(&with(&["no-new-privileges:true"])));
        assert!(no_new_privileges(&with(&["no-new-privileges=true"])));
        assert!(!no_new_privileges(&with(&["no-new-privileges:false"])));
        assert!(!no_new_privileges(&with(&["seccomp=unconfined"])));
        let bytes = build_spec(&input(
            Path::new("/tmp/c"),
            &with(&["no-new-privileges:true"]),
        ))
        .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["process"]["noNewPrivileges"], true);
    }

    #[test]
    fn devices_come_from_the_host_node() {
        let hc = HostConfig {
            devices: Some(vec![json!({
                "PathOnHost": "/dev/null",
                "PathInContainer": "/dev/mynull",
                "CgroupPermissions": "rwm"
            })]),
            ..Default::default()
        };
        let bytes = build_spec(&input(Path::new("/tmp/c"), &hc)).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let d = &v["linux"]["devices"][0];
        assert_eq!(d["path"], "/dev/mynull");
        assert_eq!(d["type"], "c");
        assert_eq!(
            (d["major"].as_i64(), d["minor"].as_i64()),
            (Some(1), Some(3))
        );
        let missing = HostConfig {
            devices: Some(vec![json!({"PathOnHost": "/dev/berth-no-such-device"})]),
            ..Default::default()
        };
        assert!(matches!(
            build_spec(&input(Path::new("/tmp/c"), &missing)),
            Err(EngineError::InvalidArgument(_))
        ));
        let not_a_device = HostConfig {
            devices: Some(vec![json!({"PathOnHost": "/etc/passwd"})]),
            ..Default::default()
        };
        assert!(build_spec(&input(Path::new("/tmp/c"), &not_a_device)).is_err());
    }

    #[test]
    fn sysctls_go_to_linux_sysctl() {
        let hc = HostConfig {
            sysctls: Some(
                [(
                    "net.ipv4.ip_unprivileged_port_start".to_string(),
                    "0".to_string(),
                )]
                .into(),
            ),
            ..Default::default()
        };
        let bytes = build_spec(&input(Path::new("/tmp/c"), &hc)).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v["linux"]["sysctl"],
            json!({"net.ipv4.ip_unprivileged_port_start": "0"})
        );
        let bytes = build_spec(&input(Path::new("/tmp/c"), &HostConfig::default())).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v["linux"].get("sysctl").is_none());
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
    #[test]
    fn default_containers_get_docker_caps_and_seccomp() {
        let hc = HostConfig::default();
        let dir = Path::new("/tmp/x");
        let spec: Value = serde_json::from_slice(&build_spec(&input(dir, &hc)).unwrap()).unwrap();
        let bounding = spec["process"]["capabilities"]["bounding"]
            .as_array()
            .unwrap();
        assert_eq!(bounding.len(), DEFAULT_CAPABILITIES.len());
        assert_eq!(spec["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
        assert!(!spec["linux"]["maskedPaths"].as_array().unwrap().is_empty());
    }

    #[test]
    fn cap_add_and_drop_and_unconfined() {
        let hc = HostConfig {
            cap_add: Some(vec!["net_admin".into(), "CAP_SYS_PTRACE".into()]),
            cap_drop: Some(vec!["MKNOD".into(), "cap_chown".into()]),
            security_opt: Some(vec!["seccomp=unconfined".into()]),
            ..Default::default()
        };
        let caps = capabilities(&hc);
        assert!(caps.contains(&"CAP_NET_ADMIN".to_string()));
        assert!(caps.contains(&"CAP_SYS_PTRACE".to_string()));
        assert!(!caps.contains(&"CAP_MKNOD".to_string()));
        assert!(!caps.contains(&"CAP_CHOWN".to_string()));
        assert!(!wants_default_seccomp(&hc));
        let drop_all = HostConfig {
            cap_drop: Some(vec!["ALL".into()]),
            cap_add: Some(vec!["KILL".into()]),
            ..Default::default()
        };
        assert_eq!(capabilities(&drop_all), ["CAP_KILL"]);
    }

    #[test]
    fn privileged_gets_every_cap_and_no_confinement() {
        let hc = HostConfig {
            privileged: true,
            ..Default::default()
        };
        assert!(capabilities(&hc).len() > DEFAULT_CAPABILITIES.len());
        assert!(!wants_default_seccomp(&hc));
        let spec: Value =
            serde_json::from_slice(&build_spec(&input(Path::new("/tmp/x"), &hc)).unwrap()).unwrap();
        assert!(spec["linux"]["seccomp"].is_null());
        assert_eq!(spec["linux"]["maskedPaths"], json!([]));
    }
}
