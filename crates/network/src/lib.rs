//! Kernel side of berth's container networking: address management, Linux bridges, veth endpoints moved into
//! container network namespaces, nftables NAT rules, a userland port proxy and the embedded DNS server
//! (Docker's 127.0.0.11). The engine decides *what* to wire; this crate knows *how*.
//!
//! Host requirements: root (CAP_NET_ADMIN), the `nft` binary (Debian package nftables) for [`Firewall`], and
//! `/proc/sys/net/ipv4/ip_forward`, which [`Firewall::ensure`] sets to 1 as dockerd does. No other sysctl is
//! needed: loopback clients of published ports go through the [`PortProxy`], so route_localnet stays off.

mod error;
pub use error::NetworkError;

pub use ipnet::Ipv4Net;

pub mod ipam;
pub use ipam::{overlaps, Ipam, Pool};

mod netlink;
mod netns;

pub mod bridge;
pub use bridge::{ensure_bridge, remove_link, BridgeSpec};

pub mod endpoint;
pub use endpoint::{connect_endpoint, random_mac, veth_name, EndpointSpec};

pub mod firewall;
pub use firewall::{Firewall, PortMapping, Protocol};

pub mod port_proxy;
pub use port_proxy::{allocate_host_port, PortProxy};

pub mod dns;
mod dns_redirect;
pub use dns::{DnsServer, NameLookup, DNS_ADDRESS};
