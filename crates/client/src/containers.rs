//! Container endpoints.

use api::{
    ContainerCreateBody, ContainerCreateResponse, ContainerInspect, ContainerSummary, Filters,
};
use api::{WaitCondition, WaitResponse};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, StatusCode};

use crate::transport::{check_status, path_segment};
use crate::{ByteStream, Client, ClientError, HijackedStream, Query, RequestBody};

/// Options of `GET /containers/{id}/logs`.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    pub stdout: bool,
    pub stderr: bool,
    pub follow: bool,
    pub timestamps: bool,
    /// `all` or a number of lines.
    pub tail: Option<String>,
    /// Unix seconds (with optional fraction) or a value the daemon parses.
    pub since: Option<String>,
    pub until: Option<String>,
    /// `--details`: the extra attributes the log driver recorded.
    pub details: bool,
}

/// A `wait` request whose `200` headers have arrived: the daemon has registered the wait, so a
/// following `start` cannot race it. The body arrives when the condition is met.
pub struct WaitHandle {
    body: Incoming,
}

impl WaitHandle {
    /// Waits for `{"Error":...,"StatusCode":N}`.
    pub async fn result(self) -> Result<WaitResponse, ClientError> {
        let bytes = self.body.collect().await?.to_bytes();
        Ok(serde_json::from_slice(&bytes)?)
    }
}

impl Client {
    /// `POST /containers/create[?name=]`.
    pub async fn create_container(
        &self,
        name: Option<&str>,
        body: &ContainerCreateBody,
    ) -> Result<ContainerCreateResponse, ClientError> {
        let query = Query::new().opt("name", name);
        self.json(
            Method::POST,
            "/containers/create",
            &query,
            RequestBody::json(body)?,
        )
        .await
    }

    /// `POST /containers/{id}/start`; an already started container (304) is a success.
    pub async fn start_container(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/containers/{}/start", path_segment(id));
        self.bytes(Method::POST, &path, &Query::new(), RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /containers/{id}/stop[?t=][&signal=]`; an already stopped container (304) is a success.
    pub async fn stop_container(
        &self,
        id: &str,
        timeout: Option<i64>,
        signal: Option<&str>,
    ) -> Result<(), ClientError> {
        let path = format!("/containers/{}/stop", path_segment(id));
        let query = Query::new()
            .opt("t", timeout.map(|t| t.to_string()))
            .opt("signal", signal);
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /containers/{id}/restart[?t=]`.
    pub async fn restart_container(
        &self,
        id: &str,
        timeout: Option<i64>,
    ) -> Result<(), ClientError> {
        let path = format!("/containers/{}/restart", path_segment(id));
        let query = Query::new().opt("t", timeout.map(|t| t.to_string()));
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /containers/{id}/kill[?signal=]`.
    pub async fn kill_container(&self, id: &str, signal: Option<&str>) -> Result<(), ClientError> {
        let path = format!("/containers/{}/kill", path_segment(id));
        let query = Query::new().opt("signal", signal);
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /containers/{id}/resize?h=&w=`: the TTY size of a container started with `-t`.
    pub async fn resize_container(
        &self,
        id: &str,
        height: u16,
        width: u16,
    ) -> Result<(), ClientError> {
        let path = format!("/containers/{}/resize", path_segment(id));
        let query = Query::new()
            .push("h", height.to_string())
            .push("w", width.to_string());
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `DELETE /containers/{id}[?force=1][&v=1]`.
    pub async fn remove_container(
        &self,
        id: &str,
        force: bool,
        volumes: bool,
    ) -> Result<(), ClientError> {
        let path = format!("/containers/{}", path_segment(id));
        let query = Query::new().flag("force", force).flag("v", volumes);
        self.bytes(Method::DELETE, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `GET /containers/json`.
    pub async fn list_containers(
        &self,
        all: bool,
        limit: Option<i64>,
        size: bool,
        filters: &Filters,
    ) -> Result<Vec<ContainerSummary>, ClientError> {
        let mut query = Query::new()
            .flag("all", all)
            .opt("limit", limit.map(|l| l.to_string()))
            .flag("size", size);
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        self.get_json("/containers/json", &query).await
    }

    /// `GET /containers/{id}/json`, decoded.
    pub async fn inspect_container(&self, id: &str) -> Result<ContainerInspect, ClientError> {
        self.get_json(
            &format!("/containers/{}/json", path_segment(id)),
            &Query::new(),
        )
        .await
    }

    /// `GET /containers/{id}/json[?size=1]` as the raw bytes the daemon sent (for `inspect`
    /// output, which keeps the daemon's key order).
    pub async fn inspect_container_raw(&self, id: &str, size: bool) -> Result<Bytes, ClientError> {
        let path = format!("/containers/{}/json", path_segment(id));
        let query = Query::new().flag("size", size);
        self.bytes(Method::GET, &path, &query, RequestBody::Empty)
            .await
    }

    /// `GET /containers/{id}/logs`: the body as it streams (stdcopy frames unless the container
    /// has a TTY).
    pub async fn container_logs(
        &self,
        id: &str,
        options: &LogsOptions,
    ) -> Result<ByteStream, ClientError> {
        let path = format!("/containers/{}/logs", path_segment(id));
        let query = Query::new()
            .flag("stdout", options.stdout)
            .flag("stderr", options.stderr)
            .flag("follow", options.follow)
            .flag("timestamps", options.timestamps)
            .opt("tail", options.tail.clone())
            .opt("since", options.since.clone())
            .opt("until", options.until.clone())
            .flag("details", options.details);
        self.stream(Method::GET, &path, &query, RequestBody::Empty)
            .await
    }

    /// `POST /containers/{id}/wait?condition=`: returns once the daemon answered `200`.
    pub async fn wait_container(
        &self,
        id: &str,
        condition: WaitCondition,
    ) -> Result<WaitHandle, ClientError> {
        let path = format!("/containers/{}/wait", path_segment(id));
        let query = Query::new().push("condition", condition.as_str());
        let response = self
            .request(Method::POST, &path, &query, RequestBody::Empty)
            .await?;
        Ok(WaitHandle {
            body: response.into_body(),
        })
    }

    /// `POST /containers/{id}/attach?stream=1&...` with `Upgrade: tcp`; expects `101`.
    pub async fn attach_container(
        &self,
        id: &str,
        stdin: bool,
        stdout: bool,
        stderr: bool,
    ) -> Result<HijackedStream, ClientError> {
        let path = format!("/containers/{}/attach", path_segment(id));
        let query = Query::new()
            .flag("stderr", stderr)
            .flag("stdin", stdin)
            .flag("stdout", stdout)
            .push("stream", "1");
        let response = self
            .send(Method::POST, &path, &query, RequestBody::Empty, true)
            .await?;
        let response = check_status(response).await?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(ClientError::UpgradeRefused(response.status().as_u16()));
        }
        let upgraded = hyper::upgrade::on(response).await?;
        Ok(HijackedStream::new(upgraded))
    }
}
