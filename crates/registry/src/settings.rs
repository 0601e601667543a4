//! Which registries are insecure (`--insecure-registry`) and where their CA certificates live
//! (Docker's `certs.d/<host:port>/*.crt` layout).

use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::Result;

/// How the daemon reaches registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// CIDRs (`10.0.0.0/8`) or `host[:port]` names. 127.0.0.0/8 and ::1 are always insecure, as in dockerd.
    pub insecure_registries: Vec<String>,
    /// Directories in the `certs.d` layout: `<dir>/<host:port>/ca.crt` (every `*.crt` is a CA).
    pub ca_dirs: Vec<PathBuf>,
}

impl RegistryConfig {
    /// Whether `host` (`host`, `host:port`, `[v6]:port`) may be reached over plain HTTP or
    /// unverified TLS: dockerd tries TLS first, then falls back to HTTP for these.
    pub fn is_insecure(&self, host: &str) -> bool {
        let bare = strip_port(host);
        let ip = if bare.eq_ignore_ascii_case("localhost") {
            Some(IpAddr::from([127, 0, 0, 1]))
        } else {
            bare.parse::<IpAddr>().ok()
        };
        if let Some(ip) = ip {
            if ip.is_loopback() {
                return true;
            }
        }
        self.insecure_registries.iter().any(|entry| {
            if entry == host || entry == bare {
                return true;
            }
            match (ip, parse_cidr(entry)) {
                (Some(ip), Some((net, prefix))) => cidr_contains(net, prefix, ip),
                _ => false,
            }
        })
    }

    /// Whether an address the host name resolved to lies in an insecure CIDR (dockerd also
    /// resolves names: `prof:5000` is insecure when `prof` is in 10.0.0.0/8 and that CIDR is listed).
    pub fn is_insecure_ip(&self, ip: IpAddr) -> bool {
        ip.is_loopback()
            || self.insecure_registries.iter().any(|entry| {
                parse_cidr(entry).is_some_and(|(net, prefix)| cidr_contains(net, prefix, ip))
            })
    }

    /// Whether any insecure entry is a CIDR (only then is a host name worth resolving).
    pub(crate) fn has_cidrs(&self) -> bool {
        self.insecure_registries
            .iter()
            .any(|e| parse_cidr(e).is_some())
    }

    /// The PEM CA certificates configured for `host` (`host:port` as written in the reference).
    pub fn ca_certificates(&self, host: &str) -> Result<Vec<Vec<u8>>> {
        let mut certs = Vec::new();
        for dir in &self.ca_dirs {
            let host_dir = dir.join(host);
            let entries = match fs_err::read_dir(&host_dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "crt"))
                .collect();
            files.sort();
            for file in files {
                certs.push(fs_err::read(&file)?);
            }
        }
        Ok(certs)
    }
}

/// `host:port` → `host`, `[::1]:5000` → `::1`.
pub(crate) fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 address.
        Some((h, _)) if !h.contains(':') => h,
        _ => host,
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u32)> {
    let (addr, prefix) = s.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let prefix: u32 = prefix.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((addr, prefix))
}

fn cidr_contains(net: IpAddr, prefix: u32, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_insecure_by_default() {
        let c = RegistryConfig::default();
        assert!(c.is_insecure("127.0.0.1:5000"));
        assert!(c.is_insecure("127.3.2.1"));
        assert!(c.is_insecure("localhost:5000"));
        assert!(c.is_insecure("[::1]:5000"));
        assert!(!c.is_insecure("10.0.0.5:5000"));
        assert!(!c.is_insecure("registry.example.com"));
    }

    #[test]
    fn cidrs_and_names() {
        let c = RegistryConfig {
            insecure_registries: vec![
                "10.0.0.0/8".into(),
                "prof:5000".into(),
                "fd00::/8".into(),
                "garbage/99".into(),
            ],
            ca_dirs: vec![],
        };
        assert!(c.is_insecure("10.200.1.1:443"));
        assert!(!c.is_insecure("11.0.0.1"));
        assert!(c.is_insecure("prof:5000"));
        assert!(
            !c.is_insecure("prof:5001"),
            "a host:port entry names one port"
        );
        assert!(c.is_insecure("[fd12::1]:5000"));
        assert!(c.is_insecure_ip("10.1.2.3".parse().unwrap()));
        assert!(c.is_insecure_ip("127.0.0.2".parse().unwrap()));
        assert!(!c.is_insecure_ip("192.168.1.1".parse().unwrap()));
        assert!(c.has_cidrs());
        assert!(!RegistryConfig::default().has_cidrs());
    }

    #[test]
    fn ca_certificates_follow_certs_d_layout() {
        let dir = tempfile::tempdir().unwrap();
        let host_dir = dir.path().join("prof:5000");
        std::fs::create_dir_all(&host_dir).unwrap();
        std::fs::write(host_dir.join("ca.crt"), b"PEM-A").unwrap();
        std::fs::write(host_dir.join("client.cert"), b"not a CA").unwrap();
        let c = RegistryConfig {
            insecure_registries: vec![],
            ca_dirs: vec![dir.path().to_path_buf(), dir.path().join("missing")],
        };
        assert_eq!(
            c.ca_certificates("prof:5000").unwrap(),
            vec![b"PEM-A".to_vec()]
        );
        assert!(c.ca_certificates("other:5000").unwrap().is_empty());
    }
}
