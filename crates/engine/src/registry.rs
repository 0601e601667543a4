//! The in-memory index of containers: by id, by name, by unique id prefix. The lock is held only
//! for map lookups, never across I/O.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::error::{EngineError, Result};
use crate::handle::ContainerHandle;

#[derive(Default)]
struct Maps {
    by_id: HashMap<String, Arc<ContainerHandle>>,
    /// Name without the leading `/` → id.
    names: HashMap<String, String>,
}

#[derive(Default)]
pub struct Registry {
    maps: RwLock<Maps>,
}

impl Registry {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Maps> {
        self.maps.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Maps> {
        self.maps.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Finds a container by full id, name (with or without `/`) or unique id prefix.
    pub fn resolve(&self, name_or_id: &str) -> Result<Arc<ContainerHandle>> {
        let maps = self.read();
        if let Some(h) = maps.by_id.get(name_or_id) {
            return Ok(h.clone());
        }
        let bare = name_or_id.strip_prefix('/').unwrap_or(name_or_id);
        if let Some(h) = maps.names.get(bare).and_then(|id| maps.by_id.get(id)) {
            return Ok(h.clone());
        }
        if !name_or_id.is_empty() {
            let mut found = maps
                .by_id
                .iter()
                .filter(|(id, _)| id.starts_with(name_or_id));
            if let Some((_, h)) = found.next() {
                if found.next().is_some() {
                    return Err(EngineError::InvalidArgument(format!(
                        "Multiple IDs found with provided prefix: {name_or_id}"
                    )));
                }
                return Ok(h.clone());
            }
        }
        Err(EngineError::NoSuchContainer(name_or_id.to_string()))
    }

    /// Reserves `name` (bare) for `id`, or says who has it.
    pub fn reserve_name(&self, name: &str, id: &str) -> Result<()> {
        let mut maps = self.write();
        if let Some(owner) = maps.names.get(name) {
            return Err(EngineError::Conflict(format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{owner}\". You have to remove (or rename) that container to be able to reuse that name."
            )));
        }
        maps.names.insert(name.to_string(), id.to_string());
        Ok(())
    }

    /// Moves `id` from `old` to `new` (both bare); fails if `new` is taken.
    pub fn rename(&self, old: &str, new: &str, id: &str) -> Result<()> {
        self.reserve_name(new, id)?;
        self.release_name(old, id);
        Ok(())
    }

    pub fn release_name(&self, name: &str, id: &str) {
        let mut maps = self.write();
        if maps
            .names
            .get(name)
            .map(|owner| owner == id)
            .unwrap_or(false)
        {
            maps.names.remove(name);
        }
    }

    pub fn insert(&self, handle: Arc<ContainerHandle>) {
        self.write().by_id.insert(handle.id.clone(), handle);
    }

    pub fn remove(&self, id: &str) {
        let mut maps = self.write();
        maps.by_id.remove(id);
        maps.names.retain(|_, owner| owner != id);
    }

    /// Every container.
    pub fn all(&self) -> Vec<Arc<ContainerHandle>> {
        self.read().by_id.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ContainerRecord;

    fn handle(id: &str) -> Arc<ContainerHandle> {
        let rec = ContainerRecord {
            id: id.into(),
            name: "/x".into(),
            created: String::new(),
            image: "sha256:0".into(),
            image_name: "busybox".into(),
            path: "true".into(),
            args: vec![],
            config: Default::default(),
            host_config: Default::default(),
            state: Default::default(),
            restart_count: 0,
            cgroups_path: String::new(),
            mounts: Vec::new(),
            has_been_manually_stopped: false,
        };
        Arc::new(ContainerHandle::new(rec, false))
    }

    #[test]
    fn resolves_ids_names_and_prefixes() {
        let r = Registry::default();
        let a = format!("abc1{}", "0".repeat(60));
        let b = format!("abc2{}", "0".repeat(60));
        r.insert(handle(&a));
        r.insert(handle(&b));
        r.reserve_name("web", &a).unwrap();
        assert_eq!(r.resolve(&a).unwrap().id, a);
        assert_eq!(r.resolve("web").unwrap().id, a);
        assert_eq!(r.resolve("/web").unwrap().id, a);
        assert_eq!(r.resolve("abc2").unwrap().id, b);
        assert!(matches!(
            r.resolve("abc"),
            Err(EngineError::InvalidArgument(_))
        ));
        assert_eq!(
            r.resolve("nosuch").unwrap_err().to_string(),
            "No such container: nosuch"
        );
    }

    #[test]
    fn names_conflict_until_released() {
        let r = Registry::default();
        r.reserve_name("web", "id1").unwrap();
        let e = r.reserve_name("web", "id2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Conflict. The container name \"/web\" is already in use by container \"id1\". You have to remove (or rename) that container to be able to reuse that name."
        );
        r.release_name("web", "id1");
        r.reserve_name("web", "id2").unwrap();
    }
}
