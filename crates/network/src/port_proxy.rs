//! Userland proxy (like docker-proxy): loopback and host-local clients reach published ports through it.

use std::net::Ipv4Addr;

use crate::{NetworkError, PortMapping, Protocol};

/// A running proxy for one port mapping; aborts its tasks on drop.
pub struct PortProxy {
    _private: (),
}

impl PortProxy {
    pub async fn start(m: &PortMapping) -> Result<PortProxy, NetworkError> {
        let _ = m;
        Err(NetworkError::Internal("not built yet".into()))
    }
}

/// A free host port for `-p 80` / `-P`.
pub fn allocate_host_port(
    protocol: &Protocol,
    host_ip: Option<Ipv4Addr>,
) -> Result<u16, NetworkError> {
    let _ = (protocol, host_ip);
    Err(NetworkError::Internal("not built yet".into()))
}
