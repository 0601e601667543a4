//! System endpoints: ping, version, info.

use api::{Info, Version};
use hyper::Method;

use crate::{Client, ClientError, Query, RequestBody};

impl Client {
    /// `GET /_ping` (unversioned): `Ok` when the daemon answers `OK`.
    pub async fn ping(&self) -> Result<(), ClientError> {
        self.bytes(Method::GET, "/_ping", &Query::new(), RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<Version, ClientError> {
        self.get_json("/version", &Query::new()).await
    }

    /// `GET /info`.
    pub async fn info(&self) -> Result<Info, ClientError> {
        self.get_json("/info", &Query::new()).await
    }

    /// `GET /info` undecoded, for `--format` templates over every field the daemon sent.
    pub async fn info_value(&self) -> Result<serde_json::Value, ClientError> {
        self.get_json("/info", &Query::new()).await
    }
}

impl Client {
    /// `GET /system/df`, undecoded (images, containers, volumes, build cache).
    pub async fn disk_usage(&self) -> Result<serde_json::Value, ClientError> {
        self.get_json("/system/df", &Query::new()).await
    }

    /// `POST /networks/prune` or `/build/prune` (`kind`), undecoded.
    pub async fn prune_other(
        &self,
        kind: &str,
        filters: &api::Filters,
    ) -> Result<serde_json::Value, ClientError> {
        let mut query = Query::new();
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        self.json(
            hyper::Method::POST,
            &format!("/{kind}/prune"),
            &query,
            RequestBody::Empty,
        )
        .await
    }
}
