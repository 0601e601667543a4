//! `POST /containers/{id}/stop?signal=` (`docker stop -s`): stop with a given signal instead of
//! the container's StopSignal.

use std::collections::BTreeMap;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::signal::parse_signal;

/// `stop`'s default wait before SIGKILL when neither `t` nor Config.StopTimeout is set.
const DEFAULT_STOP_TIMEOUT: i64 = 10;

impl Engine {
    pub async fn stop_container_with_signal(
        &self,
        name: &str,
        timeout: Option<i64>,
        signal: &str,
    ) -> Result<()> {
        let sig = parse_signal(signal)?;
        let e = self.clone();
        let name = name.to_string();
        // Like the other lifecycle calls: a client that goes away does not abort the stop.
        tokio::spawn(async move {
            let h = e.inner.registry.resolve(&name)?;
            let default_timeout = {
                let entry = h.entry.lock().await;
                if !entry.record.state.running {
                    return Err(EngineError::NotModified);
                }
                entry
                    .record
                    .config
                    .stop_timeout
                    .unwrap_or(DEFAULT_STOP_TIMEOUT)
            };
            e.stop_handle(&h, sig, timeout.unwrap_or(default_timeout))
                .await?;
            e.emit_for(&h, "stop", BTreeMap::new()).await;
            Ok(())
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?
    }
}
