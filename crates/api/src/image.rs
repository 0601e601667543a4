//! Image types: list summary, inspect, delete answer, progress messages.

use serde::{Deserialize, Serialize};

use crate::container::{Config, GraphDriverData, StringMap};

/// One element of `GET /images/json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageSummary {
    pub containers: i64,
    pub created: i64,
    pub id: String,
    pub labels: Option<StringMap>,
    pub parent_id: String,
    pub repo_digests: Option<Vec<String>>,
    pub repo_tags: Option<Vec<String>>,
    pub shared_size: i64,
    pub size: i64,
    pub virtual_size: i64,
}

impl Default for ImageSummary {
    fn default() -> Self {
        ImageSummary {
            containers: -1,
            created: 0,
            id: String::new(),
            labels: None,
            parent_id: String::new(),
            repo_digests: None,
            repo_tags: None,
            shared_size: -1,
            size: 0,
            virtual_size: 0,
        }
    }
}

/// `RootFS` of an image inspect.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

/// `Metadata` of an image inspect.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageMetadata {
    pub last_tag_time: String,
}

/// `GET /images/{name}/json`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageInspect {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub parent: String,
    pub comment: String,
    pub created: String,
    pub container: String,
    pub container_config: Config,
    pub docker_version: String,
    pub author: String,
    pub config: Config,
    pub architecture: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub variant: String,
    pub os: String,
    pub size: i64,
    pub virtual_size: i64,
    pub graph_driver: GraphDriverData,
    #[serde(rename = "RootFS")]
    pub root_fs: RootFs,
    pub metadata: ImageMetadata,
}

/// One element of the `DELETE /images/{name}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageDeleteResponseItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub untagged: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

/// `errorDetail` of a progress message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgressErrorDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    pub message: String,
}

/// One line of a JSON progress stream (`images/create`, `images/load`, `build`): dockerd's
/// `jsonmessage.JSONMessage`. Lines are separated by `\r\n`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgressMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "progressDetail", skip_serializing_if = "Option::is_none")]
    pub progress_detail: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "errorDetail", skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<ProgressErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aux: Option<serde_json::Value>,
}

impl ProgressMessage {
    pub fn status(s: impl Into<String>) -> Self {
        ProgressMessage {
            status: Some(s.into()),
            ..Default::default()
        }
    }
    pub fn error(message: impl Into<String>) -> Self {
        let message = message.into();
        ProgressMessage {
            error_detail: Some(ProgressErrorDetail {
                code: None,
                message: message.clone(),
            }),
            error: Some(message),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_item_omits_absent_side() {
        let u = ImageDeleteResponseItem {
            untagged: Some("busybox:latest".into()),
            deleted: None,
        };
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"Untagged":"busybox:latest"}"#
        );
    }

    #[test]
    fn summary_matches_dockerd_keys() {
        let s = serde_json::to_string(&ImageSummary::default()).unwrap();
        assert!(s.contains(r#""Containers":-1"#));
        assert!(s.contains(r#""RepoTags":null"#));
        assert!(s.contains(r#""SharedSize":-1"#));
    }

    #[test]
    fn progress_status_line() {
        let m = ProgressMessage::status("sha256:abc");
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"status":"sha256:abc"}"#
        );
    }
}
