//! Image endpoints that move images in and out: push, save, load, commit, history, prune, and
//! `POST /auth` (login).

use api::Filters;
use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::container_ops::PruneReport;
use crate::transport::path_segment;
use crate::{ByteStream, Client, ClientError, Query, RequestBody};

/// The `X-Registry-Auth` value of anonymous access: base64url of `{}`.
pub const ANONYMOUS_AUTH: &str = "e30=";

/// One layer of `GET /images/{name}/history`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct HistoryItem {
    #[serde(rename = "Id", default)]
    pub id: String,
    #[serde(rename = "Created", default)]
    pub created: i64,
    #[serde(rename = "CreatedBy", default)]
    pub created_by: String,
    #[serde(rename = "Tags", default)]
    pub tags: Option<Vec<String>>,
    #[serde(rename = "Size", default)]
    pub size: i64,
    #[serde(rename = "Comment", default)]
    pub comment: String,
}

/// Options of `POST /commit`.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    pub container: String,
    pub repo: Option<String>,
    pub tag: Option<String>,
    pub comment: String,
    pub author: String,
    pub changes: Vec<String>,
    pub pause: bool,
}

#[derive(Debug, Deserialize)]
struct IdResponse {
    #[serde(rename = "Id")]
    id: String,
}

/// The answer of `POST /auth`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct AuthResponse {
    #[serde(rename = "Status", default)]
    pub status: String,
    #[serde(rename = "IdentityToken", default)]
    pub identity_token: String,
}

/// The credentials sent in the body of `POST /auth`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub serveraddress: String,
}

impl Client {
    /// `POST /images/create?fromImage=&tag=[&platform=]` with `X-Registry-Auth` (pull).
    pub async fn pull_image_with_auth(
        &self,
        from_image: &str,
        tag: &str,
        platform: Option<&str>,
        registry_auth: &str,
    ) -> Result<ByteStream, ClientError> {
        // An empty tag (`pull -a`) leaves the parameter out: every tag is pulled.
        let query = Query::new()
            .push("fromImage", from_image)
            .opt("tag", (!tag.is_empty()).then_some(tag))
            .opt("platform", platform);
        let headers = [("X-Registry-Auth", registry_auth.to_string())];
        self.stream_with_headers(Method::POST, "/images/create", &query, &headers)
            .await
    }

    /// `POST /images/{name}/push[?tag=]` with `X-Registry-Auth`: a JSON progress stream.
    pub async fn push_image(
        &self,
        name: &str,
        tag: Option<&str>,
        registry_auth: &str,
    ) -> Result<ByteStream, ClientError> {
        let path = format!("/images/{}/push", path_segment(name));
        let query = Query::new().opt("tag", tag);
        let headers = [("X-Registry-Auth", registry_auth.to_string())];
        self.stream_with_headers(Method::POST, &path, &query, &headers)
            .await
    }

    /// `GET /images/get?names=a&names=b`: a docker-archive tar stream.
    pub async fn save_images(&self, names: &[String]) -> Result<ByteStream, ClientError> {
        let mut query = Query::new();
        for name in names {
            query = query.push("names", name.as_str());
        }
        self.stream(Method::GET, "/images/get", &query, RequestBody::Empty)
            .await
    }

    /// `POST /images/load[?quiet=1]` with a tar body: a JSON message stream.
    pub async fn load_images(
        &self,
        tar: RequestBody,
        quiet: bool,
    ) -> Result<ByteStream, ClientError> {
        let query = Query::new().flag("quiet", quiet);
        self.stream(Method::POST, "/images/load", &query, tar).await
    }

    /// `POST /commit?...`: the new image id.
    pub async fn commit_container(&self, options: &CommitOptions) -> Result<String, ClientError> {
        // The order of docker's url.Values.Encode (sorted keys).
        let mut query = Query::new().push("author", options.author.as_str());
        for change in &options.changes {
            query = query.push("changes", change.as_str());
        }
        let query = query
            .push("comment", options.comment.as_str())
            .push("container", options.container.as_str())
            // docker only says so when pausing is turned off
            .opt("pause", (!options.pause).then_some("0"))
            .opt("repo", options.repo.as_deref())
            .opt("tag", options.tag.as_deref());
        let created: IdResponse = self
            .json(Method::POST, "/commit", &query, RequestBody::Empty)
            .await?;
        Ok(created.id)
    }

    /// `GET /images/{name}/history`.
    pub async fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>, ClientError> {
        self.get_json(
            &format!("/images/{}/history", path_segment(name)),
            &Query::new(),
        )
        .await
    }

    /// `POST /images/prune[?filters=]`.
    pub async fn prune_images(&self, filters: &Filters) -> Result<PruneReport, ClientError> {
        let mut query = Query::new();
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        self.json(Method::POST, "/images/prune", &query, RequestBody::Empty)
            .await
    }

    /// `POST /auth`: the daemon checks the credentials against the registry.
    pub async fn login(&self, request: &LoginRequest) -> Result<AuthResponse, ClientError> {
        self.json(
            Method::POST,
            "/auth",
            &Query::new(),
            RequestBody::json(request)?,
        )
        .await
    }
}
