//! A veth pair from a bridge into a container's network namespace.

use std::net::Ipv4Addr;

use crate::Ipv4Net;
use crate::NetworkError;

/// One container's attachment to one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSpec {
    pub bridge: String,
    /// Host end of the veth pair, from [`veth_name`].
    pub host_ifname: String,
    /// Name inside the container: "eth0", "eth1", ...
    pub container_ifname: String,
    /// Container address with the subnet prefix, e.g. 10.5.0.2/24.
    pub address: Ipv4Net,
    /// Default route via it (only for the first network).
    pub gateway: Option<Ipv4Addr>,
    pub mac: [u8; 6],
    pub mtu: Option<u32>,
}

/// Creates the veth pair, attaches the host end to the bridge, moves the peer into the netns of `pid` and
/// configures it there. On any error it removes what it created.
pub async fn connect_endpoint(pid: i32, spec: &EndpointSpec) -> Result<(), NetworkError> {
    let _ = (pid, spec);
    Err(NetworkError::Internal("not built yet".into()))
}

/// "veth" + 7 hex digits derived from (container, network), so the name is stable and fits in 15 bytes.
pub fn veth_name(container_id: &str, network_id: &str) -> String {
    let _ = (container_id, network_id);
    String::from("veth0000000")
}

/// Docker-style MAC from the IP: 02:42:<ip bytes>.
pub fn random_mac(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}
