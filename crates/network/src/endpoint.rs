//! A veth pair from a bridge into a container's network namespace.

use std::net::Ipv4Addr;

use rtnetlink::packet_route::link::{InfoData, InfoKind, InfoVeth};
use rtnetlink::{LinkMessageBuilder, LinkUnspec, LinkVeth, RouteMessageBuilder};

use crate::bridge::{check_ifname, remove_link};
use crate::netlink::{connect, ensure_address, existing_link_index, failed, set_up};
use crate::netns::run_async_in_netns;
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

/// Creates the veth pair, attaches the host end to the bridge (up), puts the peer into the netns of `pid` and,
/// from a thread inside that netns, sets its address, brings it and `lo` up and adds the default route.
/// On any error it removes what it created.
pub async fn connect_endpoint(pid: i32, spec: &EndpointSpec) -> Result<(), NetworkError> {
    check_ifname(&spec.host_ifname)?;
    check_ifname(&spec.container_ifname)?;
    if pid <= 0 {
        return Err(NetworkError::InvalidArgument(format!("invalid pid {pid}")));
    }
    create_veth(pid, spec).await?;
    let result = configure(pid, spec).await;
    if result.is_err() {
        // Deleting the host end removes the peer wherever it is.
        if let Err(e) = remove_link(&spec.host_ifname).await {
            tracing::warn!(
                "cleanup of {} after a failed connect: {e}",
                spec.host_ifname
            );
        }
    }
    result
}

/// Creates the pair with the peer born directly in the container's netns under its final name and MAC, so no
/// temporary name can collide in the host netns and no rename is needed.
async fn create_veth(pid: i32, spec: &EndpointSpec) -> Result<(), NetworkError> {
    let handle = connect()?;
    let mut peer = LinkMessageBuilder::<LinkUnspec>::new()
        .name(spec.container_ifname.clone())
        .address(spec.mac.to_vec())
        .setns_by_pid(pid.unsigned_abs());
    let mut veth = LinkMessageBuilder::<LinkVeth>::new_with_info_kind(InfoKind::Veth)
        .name(spec.host_ifname.clone());
    if let Some(mtu) = spec.mtu {
        peer = peer.mtu(mtu);
        veth = veth.mtu(mtu);
    }
    let veth = veth.set_info_data(InfoData::Veth(InfoVeth::Peer(peer.build())));
    handle
        .link()
        .add(veth.build())
        .execute()
        .await
        .map_err(|e| failed(&format!("create veth {}", spec.host_ifname), e))
}

async fn configure(pid: i32, spec: &EndpointSpec) -> Result<(), NetworkError> {
    attach_host_end(spec).await?;
    let spec = spec.clone();
    run_async_in_netns(pid, move || async move { configure_inside(&spec).await }).await
}

async fn attach_host_end(spec: &EndpointSpec) -> Result<(), NetworkError> {
    let handle = connect()?;
    let bridge = existing_link_index(&handle, &spec.bridge).await?;
    let host = existing_link_index(&handle, &spec.host_ifname).await?;
    handle
        .link()
        .set(
            LinkUnspec::new_with_index(host)
                .controller(bridge)
                .up()
                .build(),
        )
        .execute()
        .await
        .map_err(|e| {
            failed(
                &format!("attach {} to {}", spec.host_ifname, spec.bridge),
                e,
            )
        })
}

/// Runs inside the container's netns (the netlink socket is opened there).
async fn configure_inside(spec: &EndpointSpec) -> Result<(), NetworkError> {
    let handle = connect()?;
    let lo = existing_link_index(&handle, "lo").await?;
    set_up(&handle, lo).await?;
    let index = existing_link_index(&handle, &spec.container_ifname).await?;
    ensure_address(
        &handle,
        index,
        spec.address.addr(),
        spec.address.prefix_len(),
    )
    .await?;
    set_up(&handle, index).await?;
    if let Some(gateway) = spec.gateway {
        let route = RouteMessageBuilder::<Ipv4Addr>::new()
            .output_interface(index)
            .gateway(gateway)
            .build();
        handle
            .route()
            .add(route)
            .execute()
            .await
            .map_err(|e| failed(&format!("add the default route via {gateway}"), e))?;
    }
    Ok(())
}

/// "veth" + 7 hex digits of a hash of (container, network): stable, unique in practice, and 11 bytes (≤ 15).
pub fn veth_name(container_id: &str, network_id: &str) -> String {
    // FNV-1a: stable across releases and processes (std's hasher is not), so a restarted daemon finds its links.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in container_id.bytes().chain([0u8]).chain(network_id.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("veth{:07x}", (hash ^ (hash >> 32)) & 0x0fff_ffff)
}

/// Docker-style MAC from the IP: 02:42:<ip bytes> (locally administered, unicast).
pub fn random_mac(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn veth_names_are_short_stable_and_distinct() {
        let mut seen = HashSet::new();
        for c in 0..200 {
            for n in 0..20 {
                let name = veth_name(&format!("{c:064x}"), &format!("net{n}"));
                assert!(name.len() <= 15, "{name}");
                assert!(name.starts_with("veth"));
                assert!(check_ifname(&name).is_ok());
                assert!(seen.insert(name), "collision for ({c}, {n})");
            }
        }
        assert_eq!(veth_name("abc", "def"), veth_name("abc", "def"));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(veth_name("ab", "c"), veth_name("a", "bc"));
    }

    #[test]
    fn mac_embeds_the_address() {
        assert_eq!(
            random_mac(Ipv4Addr::new(172, 18, 0, 2)),
            [0x02, 0x42, 172, 18, 0, 2]
        );
        assert_ne!(
            random_mac(Ipv4Addr::new(10, 0, 0, 2)),
            random_mac(Ipv4Addr::new(10, 0, 0, 3))
        );
    }
}
