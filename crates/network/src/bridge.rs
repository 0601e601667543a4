//! The Linux bridge a network's containers attach to, in the host netns.

use nix::errno::Errno;
use rtnetlink::LinkBridge;

use crate::netlink::{
    connect, ensure_address, errno, existing_link_index, failed, link_index, set_up,
};
use crate::Ipv4Net;
use crate::NetworkError;

/// What bridge to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeSpec {
    /// Interface name, at most 15 bytes.
    pub name: String,
    /// Gateway address with the subnet prefix, e.g. 10.5.0.1/24.
    pub gateway: Ipv4Net,
    pub mtu: Option<u32>,
}

/// Linux interface names are at most 15 bytes (IFNAMSIZ - 1) and may not contain '/' or whitespace.
pub(crate) fn check_ifname(name: &str) -> Result<(), NetworkError> {
    if name.is_empty()
        || name.len() > 15
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace())
    {
        return Err(NetworkError::InvalidArgument(format!(
            "invalid interface name {name:?}: at most 15 characters, no '/', ':' or spaces"
        )));
    }
    Ok(())
}

/// Creates the bridge if missing, sets the gateway address if missing, brings it up. Idempotent.
pub async fn ensure_bridge(spec: &BridgeSpec) -> Result<(), NetworkError> {
    check_ifname(&spec.name)?;
    let handle = connect()?;
    if link_index(&handle, &spec.name).await?.is_none() {
        let mut bridge = LinkBridge::new(&spec.name);
        if let Some(mtu) = spec.mtu {
            bridge = bridge.mtu(mtu);
        }
        match handle.link().add(bridge.build()).execute().await {
            Ok(()) => {}
            // Another caller created it concurrently: that is the state we want.
            Err(e) if errno(&e) == Some(Errno::EEXIST) => {}
            Err(e) => return Err(failed(&format!("create bridge {}", spec.name), e)),
        }
    }
    let index = existing_link_index(&handle, &spec.name).await?;
    ensure_address(
        &handle,
        index,
        spec.gateway.addr(),
        spec.gateway.prefix_len(),
    )
    .await?;
    set_up(&handle, index).await
}

/// Deletes a link by name; Ok if it does not exist (deleting a veth's host end removes its peer too).
pub async fn remove_link(name: &str) -> Result<(), NetworkError> {
    let handle = connect()?;
    let Some(index) = link_index(&handle, name).await? else {
        return Ok(());
    };
    match handle.link().del(index).execute().await {
        Ok(()) => Ok(()),
        Err(e) if errno(&e) == Some(Errno::ENODEV) => Ok(()),
        Err(e) => Err(failed(&format!("delete link {name}"), e)),
    }
}
