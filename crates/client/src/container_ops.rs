//! Container endpoints beyond the lifecycle: pause, rename, top, update, changes, export, stats,
//! prune.

use api::Filters;
use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::transport::path_segment;
use crate::{ByteStream, Client, ClientError, Query, RequestBody};

/// `GET /containers/{id}/top`: column titles and one row per process.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct TopResponse {
    #[serde(rename = "Titles", default)]
    pub titles: Vec<String>,
    #[serde(rename = "Processes", default)]
    pub processes: Vec<Vec<String>>,
}

/// One entry of `GET /containers/{id}/changes`: `Kind` 0 = modified, 1 = added, 2 = deleted.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ContainerChange {
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Kind")]
    pub kind: u8,
}

/// The body of `POST /containers/{id}/update`; unset fields are left alone by the daemon.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct UpdateConfig {
    #[serde(rename = "Memory", skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(rename = "MemorySwap", skip_serializing_if = "Option::is_none")]
    pub memory_swap: Option<i64>,
    #[serde(rename = "MemoryReservation", skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i64>,
    #[serde(rename = "NanoCpus", skip_serializing_if = "Option::is_none")]
    pub nano_cpus: Option<i64>,
    #[serde(rename = "CpuShares", skip_serializing_if = "Option::is_none")]
    pub cpu_shares: Option<i64>,
    #[serde(rename = "CpuPeriod", skip_serializing_if = "Option::is_none")]
    pub cpu_period: Option<i64>,
    #[serde(rename = "CpuQuota", skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<i64>,
    #[serde(rename = "CpusetCpus", skip_serializing_if = "Option::is_none")]
    pub cpuset_cpus: Option<String>,
    #[serde(rename = "PidsLimit", skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<i64>,
    #[serde(rename = "RestartPolicy", skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<api::RestartPolicy>,
}

/// `{"Warnings":[...]}` of update.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateResponse {
    #[serde(rename = "Warnings", default)]
    pub warnings: Option<Vec<String>>,
}

/// The answer of the prune endpoints (containers, images).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct PruneReport {
    #[serde(rename = "ContainersDeleted", default)]
    pub containers_deleted: Option<Vec<String>>,
    #[serde(rename = "ImagesDeleted", default)]
    pub images_deleted: Option<Vec<api::ImageDeleteResponseItem>>,
    #[serde(rename = "SpaceReclaimed", default)]
    pub space_reclaimed: u64,
}

impl Client {
    async fn post_empty(&self, path: &str, query: &Query) -> Result<(), ClientError> {
        self.bytes(Method::POST, path, query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /containers/{id}/pause`.
    pub async fn pause_container(&self, id: &str) -> Result<(), ClientError> {
        self.post_empty(
            &format!("/containers/{}/pause", path_segment(id)),
            &Query::new(),
        )
        .await
    }

    /// `POST /containers/{id}/unpause`.
    pub async fn unpause_container(&self, id: &str) -> Result<(), ClientError> {
        self.post_empty(
            &format!("/containers/{}/unpause", path_segment(id)),
            &Query::new(),
        )
        .await
    }

    /// `POST /containers/{id}/rename?name=`.
    pub async fn rename_container(&self, id: &str, new_name: &str) -> Result<(), ClientError> {
        let query = Query::new().push("name", new_name);
        self.post_empty(&format!("/containers/{}/rename", path_segment(id)), &query)
            .await
    }

    /// `GET /containers/{id}/top[?ps_args=]`.
    pub async fn top_container(
        &self,
        id: &str,
        ps_args: Option<&str>,
    ) -> Result<TopResponse, ClientError> {
        let query = Query::new().opt("ps_args", ps_args);
        self.get_json(&format!("/containers/{}/top", path_segment(id)), &query)
            .await
    }

    /// `POST /containers/{id}/update`.
    pub async fn update_container(
        &self,
        id: &str,
        update: &UpdateConfig,
    ) -> Result<UpdateResponse, ClientError> {
        let path = format!("/containers/{}/update", path_segment(id));
        self.json(
            Method::POST,
            &path,
            &Query::new(),
            RequestBody::json(update)?,
        )
        .await
    }

    /// `GET /containers/{id}/changes` (`null` from the daemon means no changes).
    pub async fn container_changes(&self, id: &str) -> Result<Vec<ContainerChange>, ClientError> {
        let changes: Option<Vec<ContainerChange>> = self
            .get_json(
                &format!("/containers/{}/changes", path_segment(id)),
                &Query::new(),
            )
            .await?;
        Ok(changes.unwrap_or_default())
    }

    /// `GET /containers/{id}/export`: the container's filesystem as a tar stream.
    pub async fn export_container(&self, id: &str) -> Result<ByteStream, ClientError> {
        let path = format!("/containers/{}/export", path_segment(id));
        self.stream(Method::GET, &path, &Query::new(), RequestBody::Empty)
            .await
    }

    /// `GET /containers/{id}/stats?stream=0|1`: one JSON document per sample, `\n`-separated.
    pub async fn container_stats(&self, id: &str, stream: bool) -> Result<ByteStream, ClientError> {
        let path = format!("/containers/{}/stats", path_segment(id));
        let query = Query::new().push("stream", if stream { "1" } else { "0" });
        self.stream(Method::GET, &path, &query, RequestBody::Empty)
            .await
    }

    /// `POST /containers/prune[?filters=]`.
    pub async fn prune_containers(&self, filters: &Filters) -> Result<PruneReport, ClientError> {
        let mut query = Query::new();
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        self.json(
            Method::POST,
            "/containers/prune",
            &query,
            RequestBody::Empty,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_sends_only_what_was_set() {
        let update = UpdateConfig {
            memory: Some(64 << 20),
            pids_limit: Some(10),
            ..UpdateConfig::default()
        };
        assert_eq!(
            serde_json::to_string(&update).unwrap(),
            r#"{"Memory":67108864,"PidsLimit":10}"#
        );
    }

    #[test]
    fn prune_report_with_nulls() {
        let report: PruneReport =
            serde_json::from_str(r#"{"ContainersDeleted":null,"SpaceReclaimed":0}"#).unwrap();
        assert_eq!(report.containers_deleted, None);
    }
}
