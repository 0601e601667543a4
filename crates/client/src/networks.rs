//! Network endpoints: `/networks` create, list, inspect, remove, connect, disconnect, prune.

use api::{
    Filters, NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse,
    NetworkDisconnectRequest, NetworkPruneReport, NetworkResource,
};
use bytes::Bytes;
use hyper::Method;

use crate::transport::path_segment;
use crate::{Client, ClientError, Query, RequestBody};

fn filters_query(filters: &Filters) -> Query {
    if filters.is_empty() {
        Query::new()
    } else {
        Query::new().push("filters", filters.to_json())
    }
}

impl Client {
    /// `POST /networks/create`.
    pub async fn create_network(
        &self,
        req: &NetworkCreateRequest,
    ) -> Result<NetworkCreateResponse, ClientError> {
        self.json(
            Method::POST,
            "/networks/create",
            &Query::new(),
            RequestBody::json(req)?,
        )
        .await
    }

    /// `GET /networks[?filters=]`.
    pub async fn list_networks(
        &self,
        filters: &Filters,
    ) -> Result<Vec<NetworkResource>, ClientError> {
        self.get_json("/networks", &filters_query(filters)).await
    }

    /// `GET /networks/{id}`.
    pub async fn inspect_network(&self, name: &str) -> Result<NetworkResource, ClientError> {
        self.get_json(&format!("/networks/{}", path_segment(name)), &Query::new())
            .await
    }

    /// `GET /networks/{id}` as the daemon's bytes (inspect keeps its field order).
    pub async fn inspect_network_raw(&self, name: &str) -> Result<Bytes, ClientError> {
        let path = format!("/networks/{}", path_segment(name));
        self.bytes(Method::GET, &path, &Query::new(), RequestBody::Empty)
            .await
    }

    /// `DELETE /networks/{id}`.
    pub async fn remove_network(&self, name: &str) -> Result<(), ClientError> {
        let path = format!("/networks/{}", path_segment(name));
        self.bytes(Method::DELETE, &path, &Query::new(), RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /networks/{id}/connect`.
    pub async fn connect_network(
        &self,
        name: &str,
        req: &NetworkConnectRequest,
    ) -> Result<(), ClientError> {
        let path = format!("/networks/{}/connect", path_segment(name));
        self.bytes(Method::POST, &path, &Query::new(), RequestBody::json(req)?)
            .await
            .map(drop)
    }

    /// `POST /networks/{id}/disconnect`.
    pub async fn disconnect_network(
        &self,
        name: &str,
        req: &NetworkDisconnectRequest,
    ) -> Result<(), ClientError> {
        let path = format!("/networks/{}/disconnect", path_segment(name));
        self.bytes(Method::POST, &path, &Query::new(), RequestBody::json(req)?)
            .await
            .map(drop)
    }

    /// `POST /networks/prune[?filters=]`.
    pub async fn prune_networks(
        &self,
        filters: &Filters,
    ) -> Result<NetworkPruneReport, ClientError> {
        self.json(
            Method::POST,
            "/networks/prune",
            &filters_query(filters),
            RequestBody::Empty,
        )
        .await
    }
}
