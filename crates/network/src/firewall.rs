//! NAT and forwarding rules in one nftables table per daemon.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Ipv4Net;
use crate::NetworkError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

impl FromStr for Protocol {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            other => Err(NetworkError::InvalidArgument(format!(
                "invalid proto: {other}"
            ))),
        }
    }
}

/// A published port: host_ip:host_port → container_ip:container_port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortMapping {
    pub protocol: Protocol,
    /// None = 0.0.0.0 (all addresses).
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    pub container_ip: Ipv4Addr,
    pub container_port: u16,
}

/// The daemon's nftables table.
#[derive(Clone, Debug)]
pub struct Firewall {
    table: String,
}

impl Firewall {
    pub fn new(table: &str) -> Firewall {
        Firewall {
            table: table.to_string(),
        }
    }
    pub async fn ensure(&self) -> Result<(), NetworkError> {
        let _ = &self.table;
        Err(NetworkError::Internal("not built yet".into()))
    }
    pub async fn add_network(&self, bridge: &str, subnet: Ipv4Net) -> Result<(), NetworkError> {
        let _ = (bridge, subnet);
        Err(NetworkError::Internal("not built yet".into()))
    }
    pub async fn remove_network(&self, bridge: &str) -> Result<(), NetworkError> {
        let _ = bridge;
        Err(NetworkError::Internal("not built yet".into()))
    }
    pub async fn publish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let _ = m;
        Err(NetworkError::Internal("not built yet".into()))
    }
    pub async fn unpublish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let _ = m;
        Err(NetworkError::Internal("not built yet".into()))
    }
    pub async fn delete(&self) -> Result<(), NetworkError> {
        Err(NetworkError::Internal("not built yet".into()))
    }
}
