//! `docker rmi`: dockerd's `ImageDelete` rules for tags, ids, users and layers.

use std::collections::HashSet;

use crate::digest::ImageId;
use crate::error::{ImageError, Result};
use crate::reference::Reference;
use crate::store::{resolve_locked, ImageStore, State};

/// A container that uses an image, as the engine reports it to [`ImageStore::delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUser {
    /// The container's full id.
    pub container_id: String,
    pub running: bool,
}

/// One line of `docker rmi` output (`{"Untagged": …}` or `{"Deleted": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteItem {
    /// A familiar reference that was removed, e.g. `busybox:latest`.
    Untagged(String),
    /// An image id or a layer chain id that was deleted (`sha256:…`).
    Deleted(String),
}

/// Image and repository conflicts in `delete`, as dockerd classifies them.
struct DeleteConflict {
    hard: bool,
    message: String,
}

const CONFLICT_HARD: u8 = 1;
const CONFLICT_ACTIVE_REFERENCE: u8 = 2;
const CONFLICT_STOPPED_CONTAINER: u8 = 4;
const CONFLICT_SOFT: u8 = CONFLICT_ACTIVE_REFERENCE | CONFLICT_STOPPED_CONTAINER;
impl ImageStore {
    /// Deletes layers no image uses, no lease holds and no container mounts (`lower_dirs_in_use`,
    /// besides what [`crate::LayerGcHooks`] reports). Returns the deleted chain ids.
    pub fn remove_unused_layers(
        &self,
        lower_dirs_in_use: &[std::path::PathBuf],
    ) -> Result<Vec<String>> {
        let state = self.lock();
        let keep: HashSet<String> = lower_dirs_in_use
            .iter()
            .filter_map(|d| self.layers.chain_of_diff_dir(d))
            .collect();
        let all = self.layers.all()?;
        let sweep = self.sweep_locked(&state, all.into_iter(), None, &keep);
        drop(state);
        Ok(self
            .finish_sweep(sweep)
            .into_iter()
            .map(|r| r.chain_id)
            .collect())
    }

    /// `docker rmi` with dockerd's semantics (`ImageDelete`): by tag, removes that tag and deletes the
    /// image (and its unshared layers) only with its last tag; by id, removes the image and its
    /// single tag. `user_of` tells which container (if any) uses an image; a used image needs
    /// `force`, and an image used by a running container is never deleted.
    pub fn delete(
        &self,
        name: &str,
        force: bool,
        user_of: &dyn Fn(&ImageId) -> Option<ImageUser>,
    ) -> Result<Vec<DeleteItem>> {
        let mut state = self.lock();
        let id = resolve_locked(&state, name)?;
        let mut records = Vec::new();
        let mut removed_repository_ref = false;
        if !is_id_prefix(&id, name) {
            // Only the last tag of a used image is protected: with other tags left the image stays.
            let single_reference = state.references_of(&id).len() == 1;
            if let (Some(user), false, true) = (user_of(&id), force, single_reference) {
                return Err(ImageError::Conflict(format!(
                    "conflict: unable to remove repository reference \"{name}\" (must force) - container {} is using its referenced image {}",
                    short(&user.container_id),
                    id.short()
                )));
            }
            let reference = Reference::parse(name)?.with_default_tag();
            state.repositories.remove(&reference.to_string());
            records.push(DeleteItem::Untagged(reference.familiar()));
            // dockerd: once the last tag of a repository goes, that repository's digest
            // references (RepoDigests from pull/push) go with it.
            if reference.digest().is_none() {
                let refs = state.references_of(&id);
                let same_repo = |r: &Reference| r.name() == reference.name();
                if !refs.iter().any(|r| r.digest().is_none() && same_repo(r)) {
                    for r in refs.iter().filter(|r| r.digest().is_some() && same_repo(r)) {
                        state.repositories.remove(&r.to_string());
                        records.push(DeleteItem::Untagged(r.familiar()));
                    }
                }
            }
            if !state.references_of(&id).is_empty() {
                self.save_repositories(&state)?;
                return Ok(records);
            }
            removed_repository_ref = true;
        } else {
            let refs = state.references_of(&id);
            if refs.len() <= 1 {
                let mut mask = CONFLICT_HARD;
                if !force {
                    mask |= CONFLICT_SOFT & !CONFLICT_ACTIVE_REFERENCE;
                }
                if let Some(c) = delete_conflict(&state, &id, mask, user_of) {
                    return Err(conflict_error(&id, c));
                }
                for r in refs {
                    state.repositories.remove(&r.to_string());
                    records.push(DeleteItem::Untagged(r.familiar()));
                }
            }
        }

        let mask = if force {
            CONFLICT_HARD
        } else {
            CONFLICT_HARD | CONFLICT_SOFT
        };
        if let Some(conflict) = delete_conflict(&state, &id, mask, user_of) {
            let dangling = state.references_of(&id).is_empty() && !state.has_children(&id);
            // A tag removal that leaves a used image behind is quiet, as in dockerd.
            if removed_repository_ref && (!dangling || user_of(&id).is_some()) {
                self.save_repositories(&state)?;
                return Ok(records);
            }
            self.save_repositories(&state)?;
            return Err(conflict_error(&id, conflict));
        }
        for r in state.references_of(&id) {
            state.repositories.remove(&r.to_string());
            records.push(DeleteItem::Untagged(r.familiar()));
        }
        self.save_repositories(&state)?;

        let Some(entry) = self.remove_image_locked(&mut state, &id) else {
            return Ok(records);
        };
        records.push(DeleteItem::Deleted(id.to_string()));
        // The image's own layers first (top-most first, as dockerd lists them), then whatever
        // else nothing references any more (layers of an image force-deleted while a container
        // used it, once the container is gone; a failed load's). A force-deleted image may still
        // back a container's overlay: its layers stay then, whatever the hooks say.
        let keep: HashSet<String> = if user_of(&id).is_some() {
            entry.chain_ids.iter().cloned().collect()
        } else {
            HashSet::new()
        };
        state.kept_for_containers.extend(keep.iter().cloned());
        let others = self.layers.all().unwrap_or_default();
        let candidates = entry.chain_ids.iter().rev().cloned().chain(others);
        let sweep = self.sweep_locked(&state, candidates, None, &keep);
        drop(state);
        for layer in self.finish_sweep(sweep) {
            records.push(DeleteItem::Deleted(layer.chain_id));
        }
        Ok(records)
    }
}

/// dockerd's `isImageIDPrefix`.
fn is_id_prefix(id: &ImageId, name: &str) -> bool {
    id.as_str().starts_with(name) || id.hex().starts_with(name)
}

fn delete_conflict(
    state: &State,
    id: &ImageId,
    mask: u8,
    user_of: &dyn Fn(&ImageId) -> Option<ImageUser>,
) -> Option<DeleteConflict> {
    let user = user_of(id);
    if mask & CONFLICT_HARD != 0 {
        if state.has_children(id) {
            return Some(DeleteConflict {
                hard: true,
                message: "image has dependent child images".to_string(),
            });
        }
        if let Some(u) = user.as_ref().filter(|u| u.running) {
            return Some(DeleteConflict {
                hard: true,
                message: format!(
                    "image is being used by running container {}",
                    short(&u.container_id)
                ),
            });
        }
    }
    if mask & CONFLICT_ACTIVE_REFERENCE != 0 && !state.references_of(id).is_empty() {
        return Some(DeleteConflict {
            hard: false,
            message: "image is referenced in multiple repositories".to_string(),
        });
    }
    if mask & CONFLICT_STOPPED_CONTAINER != 0 {
        if let Some(u) = user.as_ref().filter(|u| !u.running) {
            return Some(DeleteConflict {
                hard: false,
                message: format!(
                    "image is being used by stopped container {}",
                    short(&u.container_id)
                ),
            });
        }
    }
    None
}

fn conflict_error(id: &ImageId, c: DeleteConflict) -> ImageError {
    let force = if c.hard {
        "cannot be forced"
    } else {
        "must be forced"
    };
    ImageError::Conflict(format!(
        "conflict: unable to delete {} ({force}) - {}",
        id.short(),
        c.message
    ))
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
