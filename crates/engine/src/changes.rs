//! `GET /containers/{id}/changes`: what the container changed, from its upper dir. Kind 0 =
//! modified (C), 1 = added (A), 2 = deleted (D, from whiteouts), sorted by path like dockerd.

use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::layer_view::{is_opaque, is_whiteout, walk, LayerView};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Kind")]
    pub kind: u8,
}

pub const CHANGE_MODIFIED: u8 = 0;
pub const CHANGE_ADDED: u8 = 1;
pub const CHANGE_DELETED: u8 = 2;

/// The changes recorded in `view.upper`.
pub fn layer_changes(view: &LayerView) -> Vec<Change> {
    let mut out = Vec::new();
    for rel in walk(&view.upper) {
        let abs = view.upper.join(&rel);
        let Ok(md) = abs.symlink_metadata() else {
            continue;
        };
        let name = rel.to_string_lossy();
        let path = format!("/{name}");
        let kind = if is_whiteout(&md) {
            CHANGE_DELETED
        } else if view.in_lowers(&rel) && !(md.is_dir() && is_opaque(&abs)) {
            CHANGE_MODIFIED
        } else {
            CHANGE_ADDED
        };
        out.push(Change { path, kind });
    }
    out
}

impl Engine {
    pub async fn container_changes(&self, name: &str) -> Result<Vec<Change>> {
        let h = self.inner.registry.resolve(name)?;
        let dir = self.paths().container_dir(&h.id);
        tokio::task::spawn_blocking(move || LayerView::load(&dir).map(|v| layer_changes(&v)))
            .await
            .map_err(|e| EngineError::Internal(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_modified_deleted() {
        let d = tempfile::tempdir().unwrap();
        let v = crate::layer_view::sample_view(d.path());
        let ch = layer_changes(&v);
        let got: Vec<(&str, u8)> = ch.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            got,
            vec![("/etc", 0), ("/etc/gone", 2), ("/etc/motd", 0), ("/new", 1)]
        );
    }
}
