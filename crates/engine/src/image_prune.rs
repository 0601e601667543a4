//! `POST /images/prune`: dockerd's `ImagesPrune`. By default only dangling images (no tag) go;
//! `dangling=false` removes every image no container uses. `until` and `label` narrow the set.
//! Images are removed newest first, so a committed child goes before its parent. Then every layer
//! nothing references goes too (`image::LayerGcHooks`), counted in `SpaceReclaimed`.

use std::collections::HashSet;

use api::{Filters, ImageDeleteResponseItem};
use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// The answer of `POST /images/prune`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImagePruneReport {
    #[serde(rename = "ImagesDeleted")]
    pub images_deleted: Option<Vec<ImageDeleteResponseItem>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

/// `until`: a Unix timestamp, an RFC 3339 time, or a duration before now (`24h`, `90m`, `10s`).
pub fn parse_until(value: &str, now: i64) -> Option<i64> {
    if let Ok(secs) = value.parse::<f64>() {
        return Some(secs as i64);
    }
    if let Some(t) = crate::human::parse_time(value) {
        return Some(t.timestamp());
    }
    let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic())?);
    let n: f64 = number.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    // A duration beyond the i64 range is invalid, not an overflow.
    now.checked_sub(secs as i64)
}

impl Engine {
    pub async fn prune_images(&self, filters: Filters) -> Result<ImagePruneReport> {
        filters
            .validate(&["dangling", "until", "label", "label!"])
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let dangling_only = match filters.get("dangling").first().copied() {
            None => true,
            Some(v) if api::query::parse_bool(v) => true,
            Some("false") | Some("0") | Some("False") => false,
            Some(v) => {
                return Err(EngineError::InvalidArgument(format!(
                    "Invalid filter 'dangling={v}'"
                )))
            }
        };
        let now = chrono::Utc::now().timestamp();
        let until = match filters.get("until").first() {
            None => None,
            Some(v) => Some(parse_until(v, now).ok_or_else(|| {
                EngineError::InvalidArgument(format!("invalid value for until: {v}"))
            })?),
        };
        let used: HashSet<String> = self
            .inner
            .registry
            .all()
            .iter()
            .map(|h| h.image_id.clone())
            .collect();
        self.blocking(move |store| {
            let images = store.list()?;
            let parents: HashSet<String> = images
                .iter()
                .filter_map(|i| i.parent.as_ref().map(|p| p.as_str().to_string()))
                .collect();
            // Every stored layer, not only the images': deletes also collect unreferenced ones.
            let layer_sizes = store.stored_layer_sizes();
            let mut candidates = Vec::new();
            for img in images {
                let id = img.id.as_str().to_string();
                if used.contains(&id) {
                    continue;
                }
                if dangling_only && (!img.repo_tags.is_empty() || parents.contains(&id)) {
                    continue;
                }
                if until.is_some_and(|u| img.created_unix() >= u) {
                    continue;
                }
                let labels = img.labels();
                if !filters.match_labels("label", &labels) {
                    continue;
                }
                if filters.contains("label!")
                    && !filters
                        .get("label!")
                        .iter()
                        .all(|l| match l.split_once('=') {
                            Some((k, v)) => labels.get(k).map(String::as_str) != Some(v),
                            None => !labels.contains_key(*l),
                        })
                {
                    continue;
                }
                candidates.push(id);
            }
            let mut deleted = Vec::new();
            let mut reclaimed = 0;
            // An image another one was committed on top of cannot go before its child (creation
            // times tie within a second): retry the ones refused until a pass removes nothing.
            loop {
                let mut refused = Vec::new();
                let before = candidates.len();
                for id in candidates {
                    let no_users = |_: &image::ImageId| None;
                    let Ok(items) = store.delete(&id, true, &no_users) else {
                        refused.push(id);
                        continue;
                    };
                    for item in items {
                        match item {
                            image::DeleteItem::Untagged(r) => {
                                deleted.push(ImageDeleteResponseItem {
                                    untagged: Some(r),
                                    deleted: None,
                                })
                            }
                            image::DeleteItem::Deleted(d) => {
                                reclaimed += layer_sizes.get(&d).copied().unwrap_or(0);
                                deleted.push(ImageDeleteResponseItem {
                                    untagged: None,
                                    deleted: Some(d),
                                });
                            }
                        }
                    }
                }
                if refused.is_empty() || refused.len() == before {
                    break;
                }
                candidates = refused;
            }
            // Layers no image references and nothing holds (a failed load's, those of an image
            // force-deleted while a container used it, once the container is gone).
            for layer in store.collect_unused_layers(None) {
                reclaimed += layer.size;
                deleted.push(ImageDeleteResponseItem {
                    untagged: None,
                    deleted: Some(layer.chain_id),
                });
            }
            Ok(ImagePruneReport {
                images_deleted: (!deleted.is_empty()).then_some(deleted),
                space_reclaimed: reclaimed,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_forms() {
        assert_eq!(parse_until("1000", 5000), Some(1000));
        assert_eq!(parse_until("1h", 5000), Some(1400));
        assert_eq!(parse_until("10m", 5000), Some(4400));
        assert_eq!(parse_until("1970-01-01T00:16:40Z", 0), Some(1000));
        assert_eq!(parse_until("soon", 0), None);
    }

    #[test]
    fn huge_negative_duration_is_invalid_not_an_overflow() {
        // Found by fuzz/duration_strings: `now - i64::MIN` overflowed.
        assert_eq!(parse_until("-666666666666666666666666660s", 5000), None);
        assert_eq!(parse_until("-10m", 5000), Some(5600));
    }
}
