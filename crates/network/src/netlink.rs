//! Netlink plumbing shared by bridge and endpoint code.

use std::net::{IpAddr, Ipv4Addr};

use futures_util::TryStreamExt;
use nix::errno::Errno;
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::{Handle, LinkUnspec};

use crate::NetworkError;

/// Opens a route netlink socket in the current thread's netns and drives it on the current runtime.
/// The connection task ends when the last clone of the handle is dropped.
pub(crate) fn connect() -> Result<Handle, NetworkError> {
    let (connection, handle, _) = rtnetlink::new_connection()
        .map_err(|e| NetworkError::internal("open a netlink socket", e))?;
    tokio::spawn(connection);
    Ok(handle)
}

/// The kernel errno carried by a netlink error, if any.
pub(crate) fn errno(err: &rtnetlink::Error) -> Option<Errno> {
    match err {
        rtnetlink::Error::NetlinkError(msg) => Some(Errno::from_raw(msg.raw_code().abs())),
        _ => None,
    }
}

pub(crate) fn failed(what: &str, err: rtnetlink::Error) -> NetworkError {
    NetworkError::Internal(format!("{what}: {err}"))
}

/// Index of the link called `name`, or None when there is no such link.
pub(crate) async fn link_index(handle: &Handle, name: &str) -> Result<Option<u32>, NetworkError> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    match links.try_next().await {
        Ok(Some(link)) => Ok(Some(link.header.index)),
        Ok(None) => Ok(None),
        Err(e) if errno(&e) == Some(Errno::ENODEV) => Ok(None),
        Err(e) => Err(failed(&format!("look up link {name}"), e)),
    }
}

/// Index of the link called `name`, which must exist.
pub(crate) async fn existing_link_index(handle: &Handle, name: &str) -> Result<u32, NetworkError> {
    link_index(handle, name)
        .await?
        .ok_or_else(|| NetworkError::Internal(format!("link {name} not found")))
}

pub(crate) async fn set_up(handle: &Handle, index: u32) -> Result<(), NetworkError> {
    handle
        .link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(|e| failed("set link up", e))
}

/// Adds `addr/prefix` to the link unless it already carries it.
pub(crate) async fn ensure_address(
    handle: &Handle,
    index: u32,
    addr: Ipv4Addr,
    prefix: u8,
) -> Result<(), NetworkError> {
    let mut current = handle
        .address()
        .get()
        .set_link_index_filter(index)
        .execute();
    while let Some(msg) = current
        .try_next()
        .await
        .map_err(|e| failed("list addresses", e))?
    {
        let has = msg.attributes.iter().any(|a| {
            matches!(a, AddressAttribute::Address(IpAddr::V4(found)) | AddressAttribute::Local(IpAddr::V4(found)) if *found == addr)
        });
        if has && msg.header.prefix_len == prefix {
            return Ok(());
        }
    }
    match handle
        .address()
        .add(index, IpAddr::V4(addr), prefix)
        .execute()
        .await
    {
        Ok(()) => Ok(()),
        // A concurrent caller added it between our listing and our request.
        Err(e) if errno(&e) == Some(Errno::EEXIST) => Ok(()),
        Err(e) => Err(failed(&format!("add address {addr}/{prefix}"), e)),
    }
}
