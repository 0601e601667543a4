//! `POST /build` (legacy builder): the build context goes up as a tar body, dockerd's JSON
//! message stream comes back.

use std::collections::BTreeMap;

use hyper::Method;

use crate::transport::check_status;
use crate::{ByteStream, Client, ClientError, Query, RequestBody};

/// The query of `POST /build` (`docker build` flags).
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// `-t` (repeatable).
    pub tags: Vec<String>,
    /// `-f`: the Dockerfile's path inside the context.
    pub dockerfile: String,
    /// `--build-arg K=V` (`None`: `--build-arg K` with K unset in the environment).
    pub build_args: BTreeMap<String, Option<String>>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub quiet: bool,
    /// `--rm` (default true).
    pub rm: bool,
    pub force_rm: bool,
    /// `--network`: the network of RUN steps (`None`: the default).
    pub network: Option<String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            tags: Vec::new(),
            dockerfile: "Dockerfile".into(),
            build_args: BTreeMap::new(),
            labels: BTreeMap::new(),
            target: None,
            no_cache: false,
            pull: false,
            quiet: false,
            rm: true,
            force_rm: false,
            network: None,
        }
    }
}

impl BuildOptions {
    /// The query in the order of docker's `url.Values.Encode` (sorted keys).
    pub fn query(&self) -> Query {
        let mut query = Query::new();
        if !self.build_args.is_empty() {
            query = query.push("buildargs", json_text(&self.build_args));
        }
        query = query
            .push("dockerfile", self.dockerfile.as_str())
            .flag("forcerm", self.force_rm);
        if !self.labels.is_empty() {
            query = query.push("labels", json_text(&self.labels));
        }
        query = query
            .opt("networkmode", self.network.as_deref())
            .flag("nocache", self.no_cache)
            .flag("pull", self.pull)
            .flag("q", self.quiet)
            .opt("rm", (!self.rm).then_some("0"));
        for tag in &self.tags {
            query = query.push("t", tag.as_str());
        }
        query
            .opt("target", self.target.as_deref())
            .push("version", "1")
    }
}

/// JSON text of a map, for the `buildargs` and `labels` parameters.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string())
}

impl Client {
    /// `POST /build`: sends `context` (a tar) and returns the JSON message stream.
    pub async fn build_image(
        &self,
        context: RequestBody,
        options: &BuildOptions,
    ) -> Result<ByteStream, ClientError> {
        // The docker CLI always sends the registry config; berth has none to offer (`{}`).
        let headers = [("X-Registry-Config", "e30=".to_string())];
        let response = self
            .send_with_headers(
                Method::POST,
                "/build",
                &options.query(),
                context,
                false,
                &headers,
            )
            .await?;
        let response = check_status(response).await?;
        Ok(ByteStream::new(response.into_body()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_matches_the_docker_cli() {
        let mut options = BuildOptions {
            tags: vec!["x:v2".into()],
            quiet: true,
            ..Default::default()
        };
        options.build_args.insert("FOO".into(), Some("bar".into()));
        options.labels.insert("l1".into(), "v1".into());
        assert_eq!(
            options.query().encode(),
            "buildargs=%7B%22FOO%22%3A%22bar%22%7D&dockerfile=Dockerfile&labels=%7B%22l1%22%3A%22v1%22%7D&q=1&t=x%3Av2&version=1"
        );
        let plain = BuildOptions {
            rm: false,
            ..Default::default()
        };
        assert_eq!(
            plain.query().encode(),
            "dockerfile=Dockerfile&rm=0&version=1"
        );
    }
}
