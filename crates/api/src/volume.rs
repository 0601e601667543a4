//! Volume types: `/volumes` bodies and answers, and the volumes part of `GET /system/df`.
//!
//! Field order follows dockerd's Go structs so the JSON reads the same; `Labels` and `Options`
//! are `null` when a volume has none (as dockerd answers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::container::StringMap;

/// The label dockerd puts on volumes it names itself (`-v /data`, image `VOLUME`).
pub const ANONYMOUS_VOLUME_LABEL: &str = "com.docker.volume.anonymous";

/// `UsageData` of a volume (only in `GET /system/df`); `-1` means "not available".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UsageData {
    pub size: i64,
    pub ref_count: i64,
}

impl Default for UsageData {
    fn default() -> Self {
        UsageData {
            size: -1,
            ref_count: -1,
        }
    }
}

/// A volume as `GET /volumes/{name}`, `POST /volumes/create` and `GET /volumes` answer it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Volume {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    pub driver: String,
    pub labels: Option<StringMap>,
    pub mountpoint: String,
    pub name: String,
    pub options: Option<StringMap>,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<BTreeMap<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_data: Option<UsageData>,
}

/// `POST /volumes/create` body (`VolumeConfig` in the 1.41 swagger).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeCreateOptions {
    pub name: String,
    pub driver: String,
    pub driver_opts: Option<StringMap>,
    pub labels: Option<StringMap>,
}

/// `GET /volumes` answer: `{"Volumes":[...],"Warnings":null}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeListResponse {
    pub volumes: Vec<Volume>,
    pub warnings: Option<Vec<String>>,
}

/// `POST /volumes/prune` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumePruneReport {
    pub volumes_deleted: Vec<String>,
    pub space_reclaimed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_serializes_like_dockerd() {
        let v = Volume {
            created_at: "2026-11-22T09:56:15Z".into(),
            driver: "local".into(),
            mountpoint: "/var/lib/docker-transcripts/volumes/myvol/_data".into(),
            name: "myvol".into(),
            scope: "local".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"CreatedAt":"2026-11-22T09:56:15Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker-transcripts/volumes/myvol/_data","Name":"myvol","Options":null,"Scope":"local"}"#
        );
    }

    #[test]
    fn create_body_from_the_cli_parses() {
        let b: VolumeCreateOptions = serde_json::from_str(
            r#"{"Driver":"local","DriverOpts":{"device":"tmpfs","type":"tmpfs"},"Labels":{"env":"test"},"Name":"labeled"}"#,
        )
        .unwrap();
        assert_eq!(b.name, "labeled");
        assert_eq!(b.driver, "local");
        assert_eq!(
            b.driver_opts.unwrap().get("type").map(String::as_str),
            Some("tmpfs")
        );
        assert_eq!(
            b.labels.unwrap().get("env").map(String::as_str),
            Some("test")
        );
    }

    #[test]
    fn list_and_prune_answers_have_docker_shape() {
        assert_eq!(
            serde_json::to_string(&VolumeListResponse::default()).unwrap(),
            r#"{"Volumes":[],"Warnings":null}"#
        );
        assert_eq!(
            serde_json::to_string(&VolumePruneReport::default()).unwrap(),
            r#"{"VolumesDeleted":[],"SpaceReclaimed":0}"#
        );
    }

    #[test]
    fn usage_data_defaults_to_not_available() {
        let u: UsageData = serde_json::from_str("{}").unwrap();
        assert_eq!((u.size, u.ref_count), (-1, -1));
    }
}
