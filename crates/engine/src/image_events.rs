//! Image events (`pull`, `push`, `tag`, `untag`, `delete`, `import`, `load`, `save`) in dockerd's
//! shape: the actor is the image reference or id, with a `name` attribute.

use std::collections::BTreeMap;

use crate::engine::Engine;

impl Engine {
    pub(crate) fn image_event(&self, action: &str, name_or_id: &str) {
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), name_or_id.to_string());
        self.inner
            .events
            .publish("image", action, name_or_id, attributes);
    }
}
