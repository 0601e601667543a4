//! Daemon-wide networking settings (berthd's `--bridge`, `--bip`, `--default-address-pool`,
//! `--iptables`, `--ip-forward`).

use network::Ipv4Net;

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Linux bridge of the predefined `bridge` network (dockerd's `docker0`).
    pub bridge: String,
    /// Address of that bridge with its prefix (the gateway of the default network).
    pub bip: Ipv4Net,
    /// Pools for the subnets of new networks: (base, prefix length of each subnet).
    pub default_address_pools: Vec<(Ipv4Net, u8)>,
    /// nftables rules (NAT, masquerade, DNAT); proxies run either way.
    pub iptables: bool,
    /// Write 1 to /proc/sys/net/ipv4/ip_forward at startup.
    pub ip_forward: bool,
    /// Touch the host at all (bridges, firewall, sysctls). Off in unit tests, where the engine
    /// must not create links on the machine running them.
    pub manage_host: bool,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            bridge: "berth0".into(),
            bip: "172.17.0.1/16".parse().unwrap_or_default(),
            default_address_pools: Vec::new(),
            iptables: true,
            ip_forward: true,
            manage_host: false,
        }
    }
}

impl NetworkConfig {
    /// The nft table of this daemon ("berth_" + the default bridge name).
    pub fn firewall_table(&self) -> String {
        format!("berth_{}", self.bridge)
    }

    pub fn ipam(&self) -> network::Ipam {
        if self.default_address_pools.is_empty() {
            network::Ipam::docker_defaults()
        } else {
            network::Ipam::new(self.default_address_pools.clone())
        }
    }
}

/// The settings from berthd's flags (`None`: dockerd's default); `manage_host` is on.
pub fn from_flags(
    bridge: Option<String>,
    bip: Option<&str>,
    pools: &[String],
    iptables: bool,
    ip_forward: bool,
) -> Result<NetworkConfig, String> {
    let defaults = NetworkConfig::default();
    let bridge = bridge.unwrap_or(defaults.bridge);
    if bridge.is_empty() || bridge.len() > 15 || bridge == "none" {
        return Err(format!(
            "invalid bridge name {bridge:?} (1 to 15 characters)"
        ));
    }
    let bip = match bip {
        Some(s) => s
            .parse::<Ipv4Net>()
            .map_err(|e| format!("invalid --bip {s:?}: {e}"))?,
        None => defaults.bip,
    };
    if bip.addr() == bip.network() {
        return Err(format!(
            "invalid --bip {bip}: the address must be a host address"
        ));
    }
    let default_address_pools = pools
        .iter()
        .map(|p| parse_address_pool(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NetworkConfig {
        bridge,
        bip,
        default_address_pools,
        iptables,
        ip_forward,
        manage_host: true,
    })
}

/// dockerd's `--default-address-pool base=10.10.0.0/16,size=24`.
pub fn parse_address_pool(spec: &str) -> Result<(Ipv4Net, u8), String> {
    let mut base = None;
    let mut size = None;
    for part in spec.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("invalid address pool {spec:?}: expected key=value"))?;
        match k.trim() {
            "base" => {
                base = Some(
                    v.trim()
                        .parse::<Ipv4Net>()
                        .map_err(|e| format!("invalid base {v:?}: {e}"))?,
                )
            }
            "size" => {
                size = Some(
                    v.trim()
                        .parse::<u8>()
                        .map_err(|e| format!("invalid size {v:?}: {e}"))?,
                )
            }
            other => return Err(format!("unexpected key {other:?} in address pool {spec:?}")),
        }
    }
    match (base, size) {
        (Some(b), Some(s)) if s >= b.prefix_len() && s <= 30 => Ok((b.trunc(), s)),
        (Some(_), Some(s)) => Err(format!("invalid pool size {s} in {spec:?}")),
        _ => Err(format!("address pool {spec:?} needs base and size")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dockerd_pool_syntax() {
        let (b, s) = parse_address_pool("base=10.10.0.0/16,size=24").unwrap();
        assert_eq!(b.to_string(), "10.10.0.0/16");
        assert_eq!(s, 24);
        assert!(parse_address_pool("base=10.10.0.0/16").is_err());
        assert!(parse_address_pool("base=10.10.0.0/16,size=8").is_err());
        assert!(parse_address_pool("size=24,base=nope").is_err());
    }
}
