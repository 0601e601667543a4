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

#[cfg(test)]
mod tests {
    use super::*;
    use errdefs::{ErrorKind, HasKind};

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn gateway_defaults_to_the_first_host_and_must_be_inside() {
        let pool = Pool::new(net("10.1.2.3/24"), None, None).unwrap();
        assert_eq!(pool.subnet, net("10.1.2.0/24"));
        assert_eq!(pool.gateway, ip("10.1.2.1"));
        assert_eq!(
            Pool::new(net("10.1.2.0/24"), Some(ip("10.1.2.254")), None)
                .unwrap()
                .gateway,
            ip("10.1.2.254")
        );
        for bad in ["10.1.3.1", "10.1.2.0", "10.1.2.255"] {
            let err = Pool::new(net("10.1.2.0/24"), Some(ip(bad)), None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        assert!(Pool::new(net("10.1.2.0/24"), None, Some(net("10.1.3.0/28"))).is_err());
        assert!(Pool::new(net("10.1.2.0/31"), None, None).is_err());
    }

    #[test]
    fn allocate_skips_network_gateway_and_broadcast_until_exhausted() {
        let mut pool = Pool::new(net("10.9.0.0/29"), None, None).unwrap();
        let got: Vec<_> = (0..5).map(|_| pool.allocate().unwrap()).collect();
        assert_eq!(
            got,
            ["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"].map(ip)
        );
        let err = pool.allocate().unwrap_err();
        assert!(matches!(err, NetworkError::Exhausted(_)));
        assert_eq!(err.kind(), ErrorKind::Conflict);
        pool.release(ip("10.9.0.4"));
        assert_eq!(pool.allocate().unwrap(), ip("10.9.0.4"));
    }

    #[test]
    fn allocate_with_a_custom_gateway_uses_the_first_address() {
        let mut pool = Pool::new(net("10.9.0.0/24"), Some(ip("10.9.0.254")), None).unwrap();
        assert_eq!(pool.allocate().unwrap(), ip("10.9.0.1"));
    }

    #[test]
    fn allocate_stays_inside_ip_range() {
        let mut pool = Pool::new(net("10.9.0.0/24"), None, Some(net("10.9.0.128/30"))).unwrap();
        let got: Vec<_> = (0..4).map(|_| pool.allocate().unwrap()).collect();
        assert_eq!(
            got,
            ["10.9.0.128", "10.9.0.129", "10.9.0.130", "10.9.0.131"].map(ip)
        );
        assert!(pool.allocate().is_err());
    }

    #[test]
    fn reserve_refuses_taken_and_foreign_addresses() {
        let mut pool = Pool::new(net("10.9.0.0/24"), None, None).unwrap();
        pool.reserve(ip("10.9.0.50")).unwrap();
        let taken = pool.reserve(ip("10.9.0.50")).unwrap_err();
        assert_eq!(taken.to_string(), "Address already in use");
        assert_eq!(taken.kind(), ErrorKind::Conflict);
        assert!(matches!(
            pool.reserve(ip("10.9.0.1")),
            Err(NetworkError::AddressInUse(_))
        ));
        assert_eq!(
            pool.reserve(ip("10.8.0.5")).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        // allocate does not hand out the reserved address.
        for _ in 0..100 {
            assert_ne!(pool.allocate().unwrap(), ip("10.9.0.50"));
        }
        pool.release(ip("10.9.0.50"));
        pool.reserve(ip("10.9.0.50")).unwrap();
    }

    #[test]
    fn pool_round_trips_through_json() {
        let mut pool = Pool::new(net("10.9.0.0/24"), None, Some(net("10.9.0.0/25"))).unwrap();
        pool.allocate().unwrap();
        let text = serde_json::to_string(&pool).unwrap();
        assert!(text.contains("\"10.9.0.0/24\""), "{text}");
        assert_eq!(serde_json::from_str::<Pool>(&text).unwrap(), pool);
    }

    #[test]
    fn overlap_is_symmetric_and_exact() {
        assert!(overlaps(&net("10.0.0.0/8"), &net("10.5.0.0/16")));
        assert!(overlaps(&net("10.5.0.0/16"), &net("10.0.0.0/8")));
        assert!(overlaps(&net("10.5.0.0/24"), &net("10.5.0.0/24")));
        assert!(!overlaps(&net("10.5.0.0/24"), &net("10.5.1.0/24")));
    }

    #[test]
    fn next_subnet_skips_overlapping_ones() {
        let ipam = Ipam::docker_defaults();
        assert_eq!(ipam.next_subnet(&[]).unwrap(), net("172.17.0.0/16"));
        let used = [net("172.17.0.0/16"), net("172.18.5.0/24")];
        assert_eq!(ipam.next_subnet(&used).unwrap(), net("172.19.0.0/16"));
        // A wide network in use covers several candidates.
        assert_eq!(
            ipam.next_subnet(&[net("172.16.0.0/12")]).unwrap(),
            net("192.168.0.0/20")
        );
        let small = Ipam::new(vec![(net("10.10.0.0/23"), 24)]);
        assert_eq!(
            small.next_subnet(&[net("10.10.0.0/24")]).unwrap(),
            net("10.10.1.0/24")
        );
        let err = small.next_subnet(&[net("10.10.0.0/23")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
    }
}
