//! `POST /containers/{id}/resize?h=&w=`: the shim's `resize` op on the container's pty.

use serde_json::json;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::shim_client;

impl Engine {
    pub async fn resize_container(&self, name: &str, height: u32, width: u32) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        {
            let entry = h.entry.lock().await;
            if !entry.record.state.running {
                return Err(EngineError::Conflict(format!(
                    "Container {} is not running",
                    h.id
                )));
            }
        }
        let socket = self.paths().shim_socket(&h.id);
        resize_pty(&socket, height, width).await
    }
}

/// Sends `resize` to a (container or exec) shim; a process without a pty is a 500 as with
/// dockerd ("… does not have a terminal").
pub(crate) async fn resize_pty(socket: &std::path::Path, height: u32, width: u32) -> Result<()> {
    let (reply, _conn) = shim_client::call(
        socket,
        &json!({"op": "resize", "width": width, "height": height}),
    )
    .await?;
    if reply.ok {
        Ok(())
    } else {
        Err(EngineError::Internal(reply.error.unwrap_or_else(|| {
            "failed to resize tty, using default size".into()
        })))
    }
}
