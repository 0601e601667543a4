//! Address management, pure (no I/O): the addresses of one network, and the choice of subnets for new networks.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::{Ipv4Net, NetworkError};

/// A subnet with its gateway and the addresses handed out. The engine persists it with the network.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Pool {
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
    pub ip_range: Option<Ipv4Net>,
    pub allocated: BTreeSet<Ipv4Addr>,
}

impl Pool {
    /// The gateway defaults to the first host address (x.x.x.1). Errors if the gateway or range lies outside the subnet.
    pub fn new(
        subnet: Ipv4Net,
        gateway: Option<Ipv4Addr>,
        ip_range: Option<Ipv4Net>,
    ) -> Result<Pool, NetworkError> {
        // Docker stores the subnet in canonical form (10.1.2.3/24 → 10.1.2.0/24).
        let subnet = subnet.trunc();
        if subnet.prefix_len() > 30 {
            return Err(NetworkError::InvalidArgument(format!(
                "invalid subnet {subnet}: too small for containers"
            )));
        }
        let gateway = match gateway {
            Some(gw) => {
                if !subnet.contains(&gw) || gw == subnet.network() || gw == subnet.broadcast() {
                    return Err(NetworkError::InvalidArgument(format!(
                        "no matching subnet for gateway {gw}"
                    )));
                }
                gw
            }
            None => first_host(&subnet),
        };
        let ip_range = match ip_range {
            Some(range) => {
                let range = range.trunc();
                if !subnet.contains(&range) {
                    return Err(NetworkError::InvalidArgument(format!(
                        "no matching subnet for range {range}"
                    )));
                }
                Some(range)
            }
            None => None,
        };
        Ok(Pool {
            subnet,
            gateway,
            ip_range,
            allocated: BTreeSet::new(),
        })
    }

    /// Next free address (skips network, gateway, broadcast; inside ip_range if set).
    pub fn allocate(&mut self) -> Result<Ipv4Addr, NetworkError> {
        let range = self.ip_range.unwrap_or(self.subnet);
        let start = u32::from(range.network());
        let end = u32::from(range.broadcast());
        for n in start..=end {
            let ip = Ipv4Addr::from(n);
            if self.usable(ip) && !self.allocated.contains(&ip) {
                self.allocated.insert(ip);
                return Ok(ip);
            }
        }
        Err(NetworkError::Exhausted(format!(
            "no available IPv4 addresses on this network's address pools: {}",
            self.subnet
        )))
    }

    /// A requested address (`--ip`): errors if outside the subnet, not a host address, or taken.
    pub fn reserve(&mut self, ip: Ipv4Addr) -> Result<(), NetworkError> {
        if !self.subnet.contains(&ip) {
            return Err(NetworkError::InvalidArgument(format!(
                "invalid address {ip}: It does not belong to any of this network's subnets"
            )));
        }
        if !self.usable(ip) || self.allocated.contains(&ip) {
            return Err(NetworkError::AddressInUse(ip));
        }
        self.allocated.insert(ip);
        Ok(())
    }

    pub fn release(&mut self, ip: Ipv4Addr) {
        self.allocated.remove(&ip);
    }

    /// Whether `ip` may ever be handed to a container (the gateway is taken by the bridge).
    fn usable(&self, ip: Ipv4Addr) -> bool {
        self.subnet.contains(&ip)
            && ip != self.subnet.network()
            && ip != self.subnet.broadcast()
            && ip != self.gateway
    }
}

fn first_host(subnet: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(subnet.network()).saturating_add(1))
}

/// Whether two subnets share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Picks subnets for new networks from address pools (dockerd's default-address-pools: base + size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipam {
    pools: Vec<(Ipv4Net, u8)>,
}

impl Ipam {
    pub fn new(pools: Vec<(Ipv4Net, u8)>) -> Ipam {
        Ipam { pools }
    }

    /// dockerd's defaults: 172.17.0.0/16 … 172.31.0.0/16 (size 16), then 192.168.0.0/16 (size 20).
    pub fn docker_defaults() -> Ipam {
        let mut pools = Vec::new();
        for second in 17..=31u8 {
            if let Ok(net) = Ipv4Net::new(Ipv4Addr::new(172, second, 0, 0), 16) {
                pools.push((net, 16));
            }
        }
        if let Ok(net) = Ipv4Net::new(Ipv4Addr::new(192, 168, 0, 0), 16) {
            pools.push((net, 20));
        }
        Ipam { pools }
    }

    /// First subnet from the pools that overlaps none of `in_use` (the subnets of existing networks).
    pub fn next_subnet(&self, in_use: &[Ipv4Net]) -> Result<Ipv4Net, NetworkError> {
        for (base, size) in &self.pools {
            let Ok(candidates) = base.subnets(*size) else {
                continue;
            };
            for candidate in candidates {
                if !in_use.iter().any(|used| overlaps(used, &candidate)) {
                    return Ok(candidate);
                }
            }
        }
        Err(NetworkError::Exhausted(
            "all predefined address pools have been fully subnetted".to_string(),
        ))
    }
}
