//! Container events emitted around signals and state changes (kill, stop, restart, oom), with
//! dockerd's attributes.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::Engine;
use crate::handle::ContainerHandle;

impl Engine {
    /// Emits `action` for the container behind `h` with extra attributes.
    pub(crate) async fn emit_for(
        &self,
        h: &Arc<ContainerHandle>,
        action: &str,
        attrs: BTreeMap<String, String>,
    ) {
        let entry = h.entry.lock().await;
        self.emit_with(action, &entry.record, attrs);
    }

    /// `kill` with the signal number, as dockerd emits for every signal it sends.
    pub(crate) async fn emit_kill(&self, h: &Arc<ContainerHandle>, signal: i32) {
        self.emit_for(
            h,
            "kill",
            BTreeMap::from([("signal".to_string(), signal.to_string())]),
        )
        .await;
    }
}
