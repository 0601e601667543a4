//! The per-container `hostname`, `hosts` and `resolv.conf` bind-mounted into the container.

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::paths::ContainerFiles;

const DEFAULT_HOSTS: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
const DEFAULT_RESOLV_CONF: &str = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";

/// The host's hostname (for `--network host`).
pub fn host_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Writes the three files into `dir`. `extra_hosts` (`--add-host name:ip`) go into a
/// container's own hosts file (`--network none` included, as dockerd; a bridge container's file
/// is rewritten with its addresses at start); host networking shows a copy of the host's file
/// with the extra entries appended, as dockerd does.
pub fn write_network_files(
    dir: &Path,
    hostname: &str,
    host_network: bool,
    extra_hosts: &[String],
) -> Result<()> {
    let files = ContainerFiles(dir);
    let write = |path: std::path::PathBuf, content: &str| {
        std::fs::write(&path, content)
            .map_err(|e| EngineError::io(format!("write {}", path.display()), e))
    };
    write(files.hostname(), &format!("{hostname}\n"))?;
    let hosts = if host_network {
        let host =
            std::fs::read_to_string("/etc/hosts").unwrap_or_else(|_| DEFAULT_HOSTS.to_string());
        host_mode_hosts(host, extra_hosts)
    } else {
        // No network yet, so no gateway: `host-gateway` entries wait for a bridge network.
        crate::network_attach::hosts_content(hostname, extra_hosts, None, &[])
    };
    write(files.hosts(), &hosts)?;
    let resolv = std::fs::read_to_string("/etc/resolv.conf")
        .unwrap_or_else(|_| DEFAULT_RESOLV_CONF.to_string());
    write(files.resolv_conf(), &resolv)
}

/// The host's hosts file plus the `--add-host` entries (`host-gateway` has no bridge gateway to
/// resolve to here, so such entries are left out).
fn host_mode_hosts(mut host: String, extra_hosts: &[String]) -> String {
    let extra = crate::network_attach::hosts_content("", extra_hosts, None, &[]);
    let entries = extra
        .strip_prefix(crate::network_attach::HOSTS_HEADER)
        .unwrap_or(&extra);
    if !entries.is_empty() && !host.is_empty() && !host.ends_with('\n') {
        host.push('\n');
    }
    host.push_str(entries);
    host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_docker_like_files() {
        let d = tempfile::tempdir().unwrap();
        write_network_files(d.path(), "abcdef012345", false, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.path().join("hostname")).unwrap(),
            "abcdef012345\n"
        );
        assert!(std::fs::read_to_string(d.path().join("hosts"))
            .unwrap()
            .starts_with("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"));
        assert!(d.path().join("resolv.conf").is_file());
    }

    #[test]
    fn extra_hosts_reach_a_container_without_network() {
        let d = tempfile::tempdir().unwrap();
        let extra = ["myhost:10.1.2.3".to_string(), "gw:host-gateway".to_string()];
        write_network_files(d.path(), "abcdef012345", false, &extra).unwrap();
        let hosts = std::fs::read_to_string(d.path().join("hosts")).unwrap();
        assert!(hosts.starts_with(DEFAULT_HOSTS), "{hosts}");
        assert!(hosts.ends_with("10.1.2.3\tmyhost\n"), "{hosts}");
        assert!(!hosts.contains("gw"), "{hosts}");
    }

    #[test]
    fn host_network_appends_extra_hosts_to_the_host_file() {
        let host = "127.0.0.1\tlocalhost\n10.0.0.1\tmachine".to_string();
        let extra = ["a:1.2.3.4".to_string(), "gw:host-gateway".to_string()];
        assert_eq!(
            host_mode_hosts(host.clone(), &extra),
            "127.0.0.1\tlocalhost\n10.0.0.1\tmachine\n1.2.3.4\ta\n"
        );
        assert_eq!(host_mode_hosts(host.clone(), &[]), host);
    }
}
