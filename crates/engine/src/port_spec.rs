//! Published ports: `HostConfig.PortBindings` and `PublishAllPorts` → what to bind on the host,
//! and the bound ports → inspect's `NetworkSettings.Ports` and the list's `Ports`.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use api::{Config, HostConfig, PortBinding, PortMap};
use network::{PortMapping, Protocol};

use crate::network_error::NetworkOpError;

/// One host binding the container asked for; `host_port` `None` means "any free port", a range
/// (`HostPort: "9000-9005"`, what the docker CLI sends for `-p 9000-9005:80`) means "the first
/// free port of the range", as dockerd's port allocator does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRequest {
    pub protocol: Protocol,
    pub container_port: u16,
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: Option<RangeInclusive<u16>>,
}

/// `""`/`"0"` (any port), `"8080"` or `"9000-9005"`.
fn parse_host_ports(text: &str) -> Result<Option<RangeInclusive<u16>>, NetworkOpError> {
    let invalid = || NetworkOpError::InvalidArgument(format!("invalid host port {text:?}"));
    let port = |p: &str| p.trim().parse::<u16>().map_err(|_| invalid());
    match text.trim() {
        "" | "0" => Ok(None),
        t => {
            let (start, end) = match t.split_once('-') {
                Some((a, b)) => (port(a)?, port(b)?),
                None => (port(t)?, port(t)?),
            };
            if start == 0 || end < start {
                return Err(invalid());
            }
            Ok(Some(start..=end))
        }
    }
}

/// `"80/tcp"`, `"53/udp"` or `"80"` (tcp).
pub fn parse_port_key(key: &str) -> Result<(u16, Protocol), NetworkOpError> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| NetworkOpError::InvalidArgument(format!("invalid port {key:?}")))?;
    let proto = match proto.to_ascii_lowercase().as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        other => {
            return Err(NetworkOpError::InvalidArgument(format!(
                "invalid protocol {other:?} in port {key:?}"
            )))
        }
    };
    Ok((port, proto))
}

fn key_of(port: u16, protocol: &Protocol) -> String {
    format!("{port}/{protocol}")
}

/// The `ExposedPorts` of the container plus the ports it publishes, as `"80/tcp"` keys.
pub fn exposed_keys(config: &Config, hc: &HostConfig) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let all = config
        .exposed_ports
        .iter()
        .flat_map(|m| m.keys())
        .chain(hc.port_bindings.iter().flat_map(|m| m.keys()));
    for k in all {
        if let Ok((port, proto)) = parse_port_key(k) {
            keys.insert(key_of(port, &proto));
        }
    }
    keys
}

/// What the container publishes (`-p`, `-P`), in a stable order.
pub fn requested_ports(
    config: &Config,
    hc: &HostConfig,
) -> Result<Vec<PortRequest>, NetworkOpError> {
    let mut out = Vec::new();
    let mut bound = BTreeSet::new();
    for (key, bindings) in hc.port_bindings.iter().flatten() {
        let (container_port, protocol) = parse_port_key(key)?;
        let Some(bindings) = bindings else { continue };
        for b in bindings {
            let host_ip = match b.host_ip.as_str() {
                "" | "0.0.0.0" => None,
                ip if ip.contains(':') => continue, // IPv6 bindings: berth has no IPv6.
                ip => Some(ip.parse::<Ipv4Addr>().map_err(|_| {
                    NetworkOpError::InvalidArgument(format!("invalid host IP {ip:?}"))
                })?),
            };
            let host_port = parse_host_ports(&b.host_port)?;
            bound.insert(key_of(container_port, &protocol));
            out.push(PortRequest {
                protocol: protocol.clone(),
                container_port,
                host_ip,
                host_port,
            });
        }
    }
    if hc.publish_all_ports {
        for key in config.exposed_ports.iter().flat_map(|m| m.keys()) {
            let (container_port, protocol) = parse_port_key(key)?;
            if bound.insert(key_of(container_port, &protocol)) {
                out.push(PortRequest {
                    protocol,
                    container_port,
                    host_ip: None,
                    host_port: None,
                });
            }
        }
    }
    Ok(out)
}

/// `NetworkSettings.Ports`: every exposed port, `null` when not published.
pub fn port_map(exposed: &BTreeSet<String>, published: &[PortMapping]) -> PortMap {
    let mut map: PortMap = exposed.iter().map(|k| (k.clone(), None)).collect();
    for m in published {
        let entry = map
            .entry(key_of(m.container_port, &m.protocol))
            .or_insert(None)
            .get_or_insert_with(Vec::new);
        entry.push(PortBinding {
            host_ip: m
                .host_ip
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "0.0.0.0".into()),
            host_port: m.host_port.to_string(),
        });
    }
    map
}

/// The list's `Ports`: published bindings, then exposed ports without one.
pub fn summary_ports(exposed: &BTreeSet<String>, published: &[PortMapping]) -> Vec<api::Port> {
    let mut out: Vec<api::Port> = published
        .iter()
        .map(|m| api::Port {
            ip: m
                .host_ip
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "0.0.0.0".into()),
            private_port: m.container_port,
            public_port: Some(m.host_port),
            kind: m.protocol.to_string(),
        })
        .collect();
    for k in exposed {
        if let Ok((port, proto)) = parse_port_key(k) {
            if !published
                .iter()
                .any(|m| m.container_port == port && m.protocol == proto)
            {
                out.push(api::Port {
                    ip: String::new(),
                    private_port: port,
                    public_port: None,
                    kind: proto.to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn hc(bindings: &[(&str, &str, &str)]) -> HostConfig {
        let mut map: PortMap = BTreeMap::new();
        for (key, ip, port) in bindings {
            map.entry(key.to_string())
                .or_insert(Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: ip.to_string(),
                    host_port: port.to_string(),
                });
        }
        HostConfig {
            port_bindings: Some(map),
            ..Default::default()
        }
    }

    #[test]
    fn bindings_become_requests() {
        let h = hc(&[
            ("80/tcp", "", "8080"),
            ("53/udp", "127.0.0.1", ""),
            ("81/tcp", "::", "9000"),
        ]);
        let r = requested_ports(&Config::default(), &h).unwrap();
        assert_eq!(
            r,
            vec![
                PortRequest {
                    protocol: Protocol::Udp,
                    container_port: 53,
                    host_ip: Some(Ipv4Addr::LOCALHOST),
                    host_port: None
                },
                PortRequest {
                    protocol: Protocol::Tcp,
                    container_port: 80,
                    host_ip: None,
                    host_port: Some(8080..=8080)
                },
            ]
        );
        assert!(requested_ports(&Config::default(), &hc(&[("x/tcp", "", "1")])).is_err());
        assert!(requested_ports(&Config::default(), &hc(&[("80/sctpx", "", "1")])).is_err());
        assert!(requested_ports(&Config::default(), &hc(&[("80/tcp", "nope", "1")])).is_err());
    }

    #[test]
    fn host_port_ranges() {
        let h = hc(&[("80/tcp", "127.0.0.1", "9000-9005")]);
        let r = requested_ports(&Config::default(), &h).unwrap();
        assert_eq!(r[0].host_port, Some(9000..=9005));
        assert_eq!(parse_host_ports("0").unwrap(), None);
        assert_eq!(parse_host_ports("8080").unwrap(), Some(8080..=8080));
        assert!(parse_host_ports("9005-9000").is_err());
        assert!(parse_host_ports("0-10").is_err());
        assert!(parse_host_ports("1-x").is_err());
        assert!(parse_host_ports("70000").is_err());
    }

    #[test]
    fn publish_all_adds_exposed_ports() {
        let mut h = hc(&[("80/tcp", "", "8080")]);
        h.publish_all_ports = true;
        let config = Config {
            exposed_ports: Some(
                [
                    ("80/tcp".to_string(), serde_json::json!({})),
                    ("443/tcp".to_string(), serde_json::json!({})),
                ]
                .into(),
            ),
            ..Default::default()
        };
        let r = requested_ports(&config, &h).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].container_port, 443);
        assert_eq!(r[1].host_port, None);
    }

    #[test]
    fn inspect_and_list_shapes() {
        let published = vec![PortMapping {
            protocol: Protocol::Tcp,
            host_ip: None,
            host_port: 8080,
            container_ip: Ipv4Addr::new(10, 0, 0, 2),
            container_port: 80,
        }];
        let exposed: BTreeSet<String> = ["80/tcp".to_string(), "443/tcp".to_string()].into();
        let map = port_map(&exposed, &published);
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"443/tcp":null,"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}"#
        );
        let ports = summary_ports(&exposed, &published);
        assert_eq!(ports.len(), 2);
        assert_eq!(ports[0].public_port, Some(8080));
        assert_eq!(ports[1].private_port, 443);
        assert_eq!(ports[1].public_port, None);
    }
}
