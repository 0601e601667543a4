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
