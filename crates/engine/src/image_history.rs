//! `GET /images/{name}/history`: dockerd's `ImageHistory`. Entries come from the config's history,
//! newest first; each non-empty entry takes the size of the next layer. The newest entry carries
//! the image's id and tags, the entries of a locally known parent image its id and tags, and
//! everything else `<missing>`.

use image::Image;
use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// One line of `docker history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryItem {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "CreatedBy")]
    pub created_by: String,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<String>>,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "Comment")]
    pub comment: String,
}

impl Engine {
    pub async fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>> {
        let name = name.to_string();
        self.blocking(move |store| {
            let img = store.resolve(&name)?;
            let mut items = Vec::new();
            let mut layer = 0;
            for h in &img.config.history {
                let mut size = 0;
                if !h.empty_layer {
                    let Some(chain) = img.chain_ids.get(layer) else {
                        return Err(image::ImageError::Corrupt(
                            "too many non-empty layers in History section".to_string(),
                        ));
                    };
                    size = store.layer_size(chain).unwrap_or(0);
                    layer += 1;
                }
                let created = h
                    .created
                    .as_deref()
                    .and_then(crate::human::parse_time)
                    .map(|t| t.timestamp())
                    .unwrap_or(0);
                items.push(HistoryItem {
                    id: "<missing>".to_string(),
                    created,
                    created_by: h.created_by.clone(),
                    tags: None,
                    size: size as i64,
                    comment: h.comment.clone(),
                });
            }
            items.reverse();
            // Ids and tags of this image and of its locally known ancestors.
            let mut current: Option<Image> = Some(img);
            for item in items.iter_mut() {
                let Some(img) = current.take() else { break };
                item.id = img.id.as_str().to_string();
                item.tags = (!img.repo_tags.is_empty()).then(|| img.repo_tags.clone());
                current = img
                    .parent
                    .as_ref()
                    .and_then(|p| store.resolve(p.as_str()).ok());
            }
            Ok(items)
        })
        .await
        .map_err(|e: EngineError| e)
    }
}
