//! The Linux bridge a network's containers attach to, in the host netns.

use crate::NetworkError;
use crate::Ipv4Net;

/// What bridge to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeSpec {
    /// Interface name, at most 15 bytes.
    pub name: String,
    /// Gateway address with the subnet prefix, e.g. 10.5.0.1/24.
    pub gateway: Ipv4Net,
    pub mtu: Option<u32>,
}

/// Creates the bridge if missing, sets the gateway address if missing, brings it up. Idempotent.
pub async fn ensure_bridge(spec: &BridgeSpec) -> Result<(), NetworkError> {
    let _ = spec;
    Err(NetworkError::Internal("not built yet".into()))
}

/// Deletes a link by name; Ok if it does not exist (deleting a veth's host end removes its peer too).
pub async fn remove_link(name: &str) -> Result<(), NetworkError> {
    let _ = name;
    Err(NetworkError::Internal("not built yet".into()))
}
