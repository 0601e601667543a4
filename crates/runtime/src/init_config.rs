//! Everything the container init needs, extracted from the OCI spec before the fork so that
//! spec errors are reported by the parent and the child only runs plain system calls.

use std::path::{Path, PathBuf};

use nix::sched::CloneFlags;
use nix::sys::resource::Resource;
use oci_spec::runtime::{LinuxNamespaceType, PosixRlimitType, Spec};

use crate::RuntimeError;

/// Annotation holding overlay mount data (`lowerdir=…,upperdir=…,workdir=…`) for `root.path`.
pub const OVERLAY_ANNOTATION: &str = "org.berth.rootfs.overlay";

/// One mount of the container, destination relative to the container root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub destination: PathBuf,
    pub typ: String,
    pub source: Option<PathBuf>,
    pub options: Vec<String>,
}

impl MountSpec {
    fn new(destination: &str, typ: &str, source: &str, options: &[&str]) -> Self {
        MountSpec {
            destination: destination.into(),
            typ: typ.into(),
            source: Some(source.into()),
            options: options.iter().map(|o| o.to_string()).collect(),
        }
    }

    pub fn is_bind(&self) -> bool {
        self.typ == "bind" || self.options.iter().any(|o| o == "bind" || o == "rbind")
    }
}

/// A device node to create in the container's /dev.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub path: PathBuf,
    /// `c`, `b` or `p`.
    pub typ: char,
    pub major: u64,
    pub minor: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Debug, Clone)]
pub struct InitConfig {
    /// Absolute host path of the container root.
    pub root: PathBuf,
    pub root_readonly: bool,
    pub overlay: Option<String>,
    /// Namespaces created by unshare in the init (pid excluded: the parent unshares it).
    pub unshare_flags: CloneFlags,
    pub new_pid_ns: bool,
    pub new_net_ns: bool,
    /// Existing namespaces to join (setns), e.g. `--net container:x`.
    pub join_namespaces: Vec<(CloneFlags, PathBuf)>,
    pub hostname: Option<String>,
    /// `domainname` (setdomainname, what `hostname -d` prints), like runc.
    pub domainname: Option<String>,
    pub mounts: Vec<MountSpec>,
    pub devices: Vec<DeviceSpec>,
    pub masked_paths: Vec<String>,
    pub readonly_paths: Vec<String>,
    /// `linux.sysctl`, checked to be namespaced (sorted by name).
    pub sysctls: Vec<(String, String)>,
    pub rlimits: Vec<(Resource, u64, u64)>,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub umask: Option<u32>,
    pub cwd: PathBuf,
    pub env: Vec<String>,
    pub args: Vec<String>,
    pub capabilities: Option<oci_spec::runtime::LinuxCapabilities>,
    pub no_new_privileges: bool,
    pub cgroups_path: Option<PathBuf>,
    pub resources: cgroups::Resources,
    /// `linux.seccomp`, compiled.
    pub seccomp: Option<crate::seccomp::SeccompProgram>,
}

/// The mounts every container gets unless the spec names the destination itself.
fn default_mounts() -> Vec<MountSpec> {
    vec![
        MountSpec::new("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"]),
        MountSpec::new(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        MountSpec::new(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        ),
        MountSpec::new(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        ),
        MountSpec::new(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        ),
        MountSpec::new(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        ),
    ]
}

/// The device nodes every container gets (as Docker/runc).
fn default_devices() -> Vec<DeviceSpec> {
    [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("random", 1, 8),
        ("urandom", 1, 9),
        ("tty", 5, 0),
    ]
    .into_iter()
    .map(|(name, major, minor)| DeviceSpec {
        path: PathBuf::from("/dev").join(name),
        typ: 'c',
        major,
        minor,
        mode: 0o666,
        uid: 0,
        gid: 0,
    })
    .collect()
}

fn rlimit_resource(typ: PosixRlimitType) -> Resource {
    match typ {
        PosixRlimitType::RlimitCpu => Resource::RLIMIT_CPU,
        PosixRlimitType::RlimitFsize => Resource::RLIMIT_FSIZE,
        PosixRlimitType::RlimitData => Resource::RLIMIT_DATA,
        PosixRlimitType::RlimitStack => Resource::RLIMIT_STACK,
        PosixRlimitType::RlimitCore => Resource::RLIMIT_CORE,
        PosixRlimitType::RlimitRss => Resource::RLIMIT_RSS,
        PosixRlimitType::RlimitNproc => Resource::RLIMIT_NPROC,
        PosixRlimitType::RlimitNofile => Resource::RLIMIT_NOFILE,
        PosixRlimitType::RlimitMemlock => Resource::RLIMIT_MEMLOCK,
        PosixRlimitType::RlimitAs => Resource::RLIMIT_AS,
        PosixRlimitType::RlimitLocks => Resource::RLIMIT_LOCKS,
        PosixRlimitType::RlimitSigpending => Resource::RLIMIT_SIGPENDING,
        PosixRlimitType::RlimitMsgqueue => Resource::RLIMIT_MSGQUEUE,
        PosixRlimitType::RlimitNice => Resource::RLIMIT_NICE,
        PosixRlimitType::RlimitRtprio => Resource::RLIMIT_RTPRIO,
        PosixRlimitType::RlimitRttime => Resource::RLIMIT_RTTIME,
    }
}

fn namespace_flag(typ: LinuxNamespaceType) -> CloneFlags {
    match typ {
        LinuxNamespaceType::Mount => CloneFlags::CLONE_NEWNS,
        LinuxNamespaceType::Cgroup => CloneFlags::CLONE_NEWCGROUP,
        LinuxNamespaceType::Uts => CloneFlags::CLONE_NEWUTS,
        LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
        LinuxNamespaceType::User => CloneFlags::CLONE_NEWUSER,
        LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
        LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
        LinuxNamespaceType::Time => CloneFlags::from_bits_retain(libc::CLONE_NEWTIME),
    }
}

fn normalize_destination(dest: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for comp in dest.components() {
        if let std::path::Component::Normal(c) = comp {
            out.push(c);
        }
    }
    out
}

impl InitConfig {
    /// Extracts the init's configuration; `bundle` anchors a relative `root.path`.
    pub fn from_spec(spec: &Spec, bundle: &Path) -> Result<Self, RuntimeError> {
        let invalid = |m: &str| RuntimeError::InvalidSpec(m.to_owned());
        let root = spec
            .root()
            .as_ref()
            .ok_or_else(|| invalid("root is missing"))?;
        let root_path = if root.path().is_absolute() {
            root.path().clone()
        } else {
            bundle.join(root.path())
        };
        let process = spec
            .process()
            .as_ref()
            .ok_or_else(|| invalid("process is missing"))?;
        let args = process.args().clone().unwrap_or_default();
        if args.is_empty() {
            return Err(invalid("process.args is empty"));
        }
        let linux = spec.linux().clone().unwrap_or_default();

        let mut unshare_flags = CloneFlags::empty();
        let mut join_namespaces = Vec::new();
        let mut new_pid_ns = false;
        let mut new_net_ns = false;
        for ns in linux.namespaces().clone().unwrap_or_default() {
            let flag = namespace_flag(ns.typ());
            match (ns.typ(), ns.path()) {
                (LinuxNamespaceType::User, _) => {
                    return Err(invalid("user namespaces are not supported"))
                }
                (LinuxNamespaceType::Pid, Some(_)) => {
                    return Err(invalid(
                        "joining an existing pid namespace is not supported",
                    ))
                }
                (LinuxNamespaceType::Pid, None) => new_pid_ns = true,
                (_, Some(path)) => join_namespaces.push((flag, path.clone())),
                (typ, None) => {
                    if typ == LinuxNamespaceType::Network {
                        new_net_ns = true;
                    }
                    unshare_flags |= flag;
                }
            }
        }
        // The rootfs is mounted inside the container's own mount namespace, always.
        unshare_flags |= CloneFlags::CLONE_NEWNS;
        let hostname = spec.hostname().clone().filter(|h| !h.is_empty());
        let own_uts = unshare_flags.contains(CloneFlags::CLONE_NEWUTS)
            || join_namespaces
                .iter()
                .any(|(f, _)| *f == CloneFlags::CLONE_NEWUTS);
        if hostname.is_some() && !own_uts {
            // sethostname would rename the host.
            return Err(invalid("a hostname needs a private UTS namespace"));
        }
        let domainname = spec.domainname().clone().filter(|d| !d.is_empty());
        if domainname.is_some() && !own_uts {
            // setdomainname would change the host's domain name.
            return Err(invalid("a domainname needs a private UTS namespace"));
        }
        let owned_namespaces = join_namespaces
            .iter()
            .fold(unshare_flags, |acc, (f, _)| acc | *f);
        let mut sysctls: Vec<(String, String)> = linux
            .sysctl()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        sysctls.sort();
        for (key, _) in &sysctls {
            crate::sysctl::check(key, owned_namespaces).map_err(|e| invalid(&e))?;
        }

        let spec_mounts: Vec<MountSpec> = spec
            .mounts()
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|m| MountSpec {
                destination: normalize_destination(m.destination()),
                typ: m.typ().clone().unwrap_or_default(),
                source: m.source().clone(),
                options: m.options().clone().unwrap_or_default(),
            })
            // cgroup v1 filesystems inside containers are not provided yet.
            .filter(|m| m.typ != "cgroup" && m.typ != "cgroup2")
            .collect();
        let mut mounts: Vec<MountSpec> = default_mounts()
            .into_iter()
            .filter(|d| !spec_mounts.iter().any(|m| m.destination == d.destination))
            .collect();
        mounts.extend(spec_mounts);
        // Parents before children (stable: equal depths keep the spec's order).
        mounts.sort_by_key(|m| m.destination.components().count());

        let mut devices = default_devices();
        for d in linux.devices().clone().unwrap_or_default() {
            let typ = match d.typ().as_str() {
                "b" => 'b',
                "p" => 'p',
                _ => 'c',
            };
            let spec_dev = DeviceSpec {
                path: normalize_destination(d.path()),
                typ,
                major: d.major().max(0) as u64,
                minor: d.minor().max(0) as u64,
                mode: d.file_mode().unwrap_or(0o666) & 0o7777,
                uid: d.uid().unwrap_or(0),
                gid: d.gid().unwrap_or(0),
            };
            devices.retain(|existing| existing.path != spec_dev.path);
            devices.push(spec_dev);
        }

        let rlimits = process
            .rlimits()
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|r| (rlimit_resource(r.typ()), r.soft(), r.hard()))
            .collect();

        let resources = resources_from_spec(linux.resources().as_ref(), &devices);
        // Fail closed: a seccomp section that cannot be compiled stops the create.
        let seccomp = linux
            .seccomp()
            .as_ref()
            .map(crate::seccomp::compile)
            .transpose()?;
        let user = process.user();
        let cwd = if process.cwd().as_os_str().is_empty() {
            PathBuf::from("/")
        } else {
            process.cwd().clone()
        };
        Ok(InitConfig {
            root: root_path,
            root_readonly: root.readonly().unwrap_or(false),
            overlay: spec
                .annotations()
                .as_ref()
                .and_then(|a| a.get(OVERLAY_ANNOTATION))
                .cloned(),
            unshare_flags,
            new_pid_ns,
            new_net_ns,
            join_namespaces,
            hostname,
            domainname,
            mounts,
            devices,
            masked_paths: linux.masked_paths().clone().unwrap_or_default(),
            readonly_paths: linux.readonly_paths().clone().unwrap_or_default(),
            sysctls,
            rlimits,
            uid: user.uid(),
            gid: user.gid(),
            additional_gids: user.additional_gids().clone().unwrap_or_default(),
            umask: user.umask(),
            cwd,
            env: process.env().clone().unwrap_or_default(),
            args,
            capabilities: process.capabilities().clone(),
            no_new_privileges: process.no_new_privileges().unwrap_or(false),
            cgroups_path: linux.cgroups_path().clone(),
            resources,
            seccomp,
        })
    }
}

fn device_type(typ: Option<oci_spec::runtime::LinuxDeviceType>) -> char {
    use oci_spec::runtime::LinuxDeviceType as T;
    match typ {
        Some(T::B) => 'b',
        Some(T::C) | Some(T::U) => 'c',
        Some(T::P) => 'p',
        Some(T::A) | None => 'a',
    }
}

/// `linux.resources` as cgroup settings. The device rules are the spec's, or Docker's defaults
/// when it has none (with CAP_MKNOD a container could otherwise create and open any host
/// device), plus access to every device the spec creates in /dev.
fn resources_from_spec(
    r: Option<&oci_spec::runtime::LinuxResources>,
    devices: &[DeviceSpec],
) -> cgroups::Resources {
    let memory = r.and_then(|r| r.memory().as_ref());
    let cpu = r.and_then(|r| r.cpu().as_ref());
    let mut rules: Vec<cgroups::DeviceRule> = match r.and_then(|r| r.devices().as_ref()) {
        Some(list) if !list.is_empty() => list
            .iter()
            .map(|d| cgroups::DeviceRule {
                allow: d.allow(),
                typ: device_type(d.typ()),
                major: d.major(),
                minor: d.minor(),
                access: d.access().clone().unwrap_or_else(|| "rwm".to_owned()),
            })
            .collect(),
        _ => cgroups::DeviceRule::docker_defaults(),
    };
    for d in devices.iter().filter(|d| d.typ != 'p') {
        rules.push(cgroups::DeviceRule {
            allow: true,
            typ: d.typ,
            major: i64::try_from(d.major).ok(),
            minor: i64::try_from(d.minor).ok(),
            access: "rwm".to_owned(),
        });
    }
    cgroups::Resources {
        memory_limit: memory.and_then(|m| m.limit()),
        memory_swap: memory.and_then(|m| m.swap()),
        cpu_quota: cpu.and_then(|c| c.quota()),
        cpu_period: cpu.and_then(|c| c.period()),
        cpu_shares: cpu.and_then(|c| c.shares()),
        pids_limit: r.and_then(|r| r.pids().as_ref()).map(|p| p.limit()),
        devices: rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: serde_json::Value) -> Spec {
        serde_json::from_value(value).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({
            "ociVersion": "1.0.2",
            "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
            "root": {"path": "rootfs"},
            "mounts": [
                {"destination": "/etc/hosts", "type": "bind", "source": "/tmp/h", "options": ["rbind"]},
                {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["size=1k"]}
            ],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]}
        })
    }

    #[test]
    fn defaults_fill_in_and_parents_come_first() {
        let cfg = InitConfig::from_spec(&spec(base()), Path::new("/bundle")).unwrap();
        assert_eq!(cfg.root, PathBuf::from("/bundle/rootfs"));
        assert!(cfg.new_pid_ns && !cfg.new_net_ns);
        let dests: Vec<_> = cfg
            .mounts
            .iter()
            .map(|m| m.destination.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            dests,
            [
                "/proc",
                "/dev",
                "/sys",
                "/dev/pts",
                "/dev/mqueue",
                "/etc/hosts",
                "/dev/shm"
            ]
        );
        // The spec's own /dev/shm replaces the default.
        let shm = cfg
            .mounts
            .iter()
            .find(|m| m.destination == Path::new("/dev/shm"))
            .unwrap();
        assert_eq!(shm.options, ["size=1k"]);
    }

    #[test]
    fn device_rules_default_to_dockers_and_cover_created_devices() {
        let mut v = base();
        v["linux"]["devices"] =
            serde_json::json!([{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]);
        let cfg = InitConfig::from_spec(&spec(v), Path::new("/b")).unwrap();
        let lines: Vec<String> = cfg
            .resources
            .devices
            .iter()
            .map(|d| d.to_v1_line())
            .collect();
        assert_eq!(lines.first().map(String::as_str), Some("a"));
        assert!(!cfg.resources.devices[0].allow);
        assert!(lines.contains(&"c 1:3 rwm".to_owned()));
        assert!(lines.contains(&"c 136:* rwm".to_owned()));
        assert_eq!(lines.last().map(String::as_str), Some("c 10:229 rwm"));
    }

    #[test]
    fn hostname_without_uts_namespace_is_refused() {
        let mut v = base();
        v["hostname"] = "x".into();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "mount"}]);
        assert!(InitConfig::from_spec(&spec(v), Path::new("/b")).is_err());
    }

    #[test]
    fn domainname_is_read_and_needs_a_uts_namespace() {
        let mut v = base();
        v["domainname"] = "example.org".into();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "mount"}]);
        assert!(InitConfig::from_spec(&spec(v.clone()), Path::new("/b")).is_err());
        v["linux"]["namespaces"] = serde_json::json!([{"type": "mount"}, {"type": "uts"}]);
        let cfg = InitConfig::from_spec(&spec(v), Path::new("/b")).unwrap();
        assert_eq!(cfg.domainname.as_deref(), Some("example.org"));
        let cfg = InitConfig::from_spec(&spec(base()), Path::new("/b")).unwrap();
        assert_eq!(cfg.domainname, None);
    }

    #[test]
    fn empty_args_are_invalid() {
        let mut v = base();
        v["process"]["args"] = serde_json::json!([]);
        let err = InitConfig::from_spec(&spec(v), Path::new("/b")).unwrap_err();
        assert!(matches!(err, RuntimeError::InvalidSpec(_)));
    }
}
