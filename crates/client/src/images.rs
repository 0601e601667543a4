//! Image endpoints.

use api::{Filters, ImageDeleteResponseItem, ImageSummary};
use bytes::Bytes;
use hyper::Method;

use crate::transport::path_segment;
use crate::{ByteStream, Client, ClientError, Query, RequestBody};

impl Client {
    /// `GET /images/json[?all=1][&filters=]`.
    pub async fn list_images(
        &self,
        all: bool,
        filters: &Filters,
    ) -> Result<Vec<ImageSummary>, ClientError> {
        let mut query = Query::new().flag("all", all);
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        self.get_json("/images/json", &query).await
    }

    /// `GET /images/{name}/json` as the raw bytes the daemon sent.
    pub async fn inspect_image_raw(&self, name: &str) -> Result<Bytes, ClientError> {
        let path = format!("/images/{}/json", path_segment(name));
        self.bytes(Method::GET, &path, &Query::new(), RequestBody::Empty)
            .await
    }

    /// `POST /images/create?fromImage=&tag=[&platform=]` (pull): a JSON progress stream.
    pub async fn pull_image(
        &self,
        from_image: &str,
        tag: &str,
        platform: Option<&str>,
    ) -> Result<ByteStream, ClientError> {
        let query = Query::new()
            .push("fromImage", from_image)
            .push("tag", tag)
            .opt("platform", platform);
        self.stream(Method::POST, "/images/create", &query, RequestBody::Empty)
            .await
    }

    /// `POST /images/create?fromSrc=-&repo=&tag=&message=&changes=...` with a tar body: a JSON
    /// progress stream ending with `{"status":"sha256:..."}`.
    pub async fn import_image(
        &self,
        tar: RequestBody,
        repo: Option<&str>,
        tag: Option<&str>,
        message: Option<&str>,
        changes: &[String],
    ) -> Result<ByteStream, ClientError> {
        let query = import_query("-", repo, tag, message, changes);
        self.stream(Method::POST, "/images/create", &query, tar)
            .await
    }

    /// `POST /images/create?fromSrc=<url>&repo=&tag=&message=&changes=...` with an empty body:
    /// the daemon downloads the tar (`docker import http://…`). The progress stream says
    /// `Downloading from <url>`, `Importing` progress, then `{"status":"sha256:..."}`.
    pub async fn import_image_from_url(
        &self,
        url: &str,
        repo: Option<&str>,
        tag: Option<&str>,
        message: Option<&str>,
        changes: &[String],
    ) -> Result<ByteStream, ClientError> {
        let query = import_query(url, repo, tag, message, changes);
        self.stream(Method::POST, "/images/create", &query, RequestBody::Empty)
            .await
    }

    /// `POST /images/{name}/tag?repo=&tag=`.
    pub async fn tag_image(
        &self,
        source: &str,
        repo: &str,
        tag: Option<&str>,
    ) -> Result<(), ClientError> {
        let path = format!("/images/{}/tag", path_segment(source));
        let query = Query::new().push("repo", repo).opt("tag", tag);
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `DELETE /images/{name}[?force=1][&noprune=1]`.
    pub async fn remove_image(
        &self,
        name: &str,
        force: bool,
        no_prune: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>, ClientError> {
        let path = format!("/images/{}", path_segment(name));
        let query = Query::new().flag("force", force).flag("noprune", no_prune);
        self.json(Method::DELETE, &path, &query, RequestBody::Empty)
            .await
    }
}

/// The query of an import from `source` (`-` for the request body, or a URL).
fn import_query(
    source: &str,
    repo: Option<&str>,
    tag: Option<&str>,
    message: Option<&str>,
    changes: &[String],
) -> Query {
    let mut query = Query::new()
        .push("fromSrc", source)
        .opt("repo", repo)
        .opt("tag", tag)
        .opt("message", message);
    for change in changes {
        query = query.push("changes", change.as_str());
    }
    query
}
