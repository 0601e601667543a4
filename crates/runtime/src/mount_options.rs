//! OCI mount options (`ro`, `nosuid`, `rbind`, `mode=755`, …) to mount(2) flags and data.

use nix::mount::MsFlags;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountOptions {
    pub flags: MsFlags,
    /// Propagation changes applied with a separate mount call.
    pub propagation: MsFlags,
    pub data: String,
    pub bind: bool,
    pub recursive: bool,
}

pub(crate) fn parse(options: &[String]) -> MountOptions {
    let mut out = MountOptions {
        flags: MsFlags::empty(),
        propagation: MsFlags::empty(),
        data: String::new(),
        bind: false,
        recursive: false,
    };
    let mut data: Vec<&str> = Vec::new();
    for opt in options {
        let (set, clear): (MsFlags, MsFlags) = match opt.as_str() {
            "ro" => (MsFlags::MS_RDONLY, MsFlags::empty()),
            "rw" => (MsFlags::empty(), MsFlags::MS_RDONLY),
            "nosuid" => (MsFlags::MS_NOSUID, MsFlags::empty()),
            "suid" => (MsFlags::empty(), MsFlags::MS_NOSUID),
            "nodev" => (MsFlags::MS_NODEV, MsFlags::empty()),
            "dev" => (MsFlags::empty(), MsFlags::MS_NODEV),
            "noexec" => (MsFlags::MS_NOEXEC, MsFlags::empty()),
            "exec" => (MsFlags::empty(), MsFlags::MS_NOEXEC),
            "sync" => (MsFlags::MS_SYNCHRONOUS, MsFlags::empty()),
            "async" => (MsFlags::empty(), MsFlags::MS_SYNCHRONOUS),
            "noatime" => (MsFlags::MS_NOATIME, MsFlags::empty()),
            "atime" => (MsFlags::empty(), MsFlags::MS_NOATIME),
            "nodiratime" => (MsFlags::MS_NODIRATIME, MsFlags::empty()),
            "relatime" => (MsFlags::MS_RELATIME, MsFlags::empty()),
            "norelatime" => (MsFlags::empty(), MsFlags::MS_RELATIME),
            "strictatime" => (MsFlags::MS_STRICTATIME, MsFlags::empty()),
            "remount" => (MsFlags::MS_REMOUNT, MsFlags::empty()),
            "bind" => {
                out.bind = true;
                continue;
            }
            "rbind" => {
                out.bind = true;
                out.recursive = true;
                continue;
            }
            "private" => {
                out.propagation |= MsFlags::MS_PRIVATE;
                continue;
            }
            "rprivate" => {
                out.propagation |= MsFlags::MS_PRIVATE | MsFlags::MS_REC;
                continue;
            }
            "shared" => {
                out.propagation |= MsFlags::MS_SHARED;
                continue;
            }
            "rshared" => {
                out.propagation |= MsFlags::MS_SHARED | MsFlags::MS_REC;
                continue;
            }
            "slave" => {
                out.propagation |= MsFlags::MS_SLAVE;
                continue;
            }
            "rslave" => {
                out.propagation |= MsFlags::MS_SLAVE | MsFlags::MS_REC;
                continue;
            }
            "unbindable" | "runbindable" => {
                out.propagation |= MsFlags::MS_UNBINDABLE;
                continue;
            }
            "defaults" => continue,
            other => {
                data.push(other);
                continue;
            }
        };
        out.flags.insert(set);
        out.flags.remove(clear);
    }
    out.data = data.join(",");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_data_and_bind_are_separated() {
        let o = parse(&[
            "rbind".into(),
            "ro".into(),
            "nosuid".into(),
            "mode=755".into(),
            "rprivate".into(),
        ]);
        assert!(o.bind && o.recursive);
        assert_eq!(o.flags, MsFlags::MS_RDONLY | MsFlags::MS_NOSUID);
        assert_eq!(o.propagation, MsFlags::MS_PRIVATE | MsFlags::MS_REC);
        assert_eq!(o.data, "mode=755");
        let rw = parse(&["ro".into(), "rw".into()]);
        assert!(!rw.flags.contains(MsFlags::MS_RDONLY));
    }
}
