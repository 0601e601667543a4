//! `POST /build` (legacy builder, `Builder-Version: 1`) and `POST /build/prune`.
//! The body is the build context as a tar (plain, gzip, bzip2 or xz); the answer is dockerd's JSON
//! stream.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::TryStreamExt;

use crate::backend::{BuildRequest, ImageBackend};
use crate::error::{ApiError, ApiResult};
use crate::query::QueryParams;
use crate::response::json_ok;
use engine::build_run_resources::BuildRunResources;

pub fn routes<B: ImageBackend>() -> Router<Arc<B>> {
    Router::new()
        .route("/build", post(build::<B>))
        .route("/build/prune", post(prune::<B>))
}

/// A JSON map query parameter (`buildargs`, `labels`); a `null` value (an unset build arg) is
/// dropped, as dockerd ignores it.
fn json_map(q: &QueryParams, key: &str) -> ApiResult<BTreeMap<String, String>> {
    let Some(raw) = q.get(key).filter(|v| !v.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let map: BTreeMap<String, Option<String>> = serde_json::from_str(raw)
        .map_err(|e| ApiError::invalid(format!("invalid {key} parameter {raw:?}: {e}")))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

/// The query of `POST /build`, with dockerd's defaults (`rm` is on unless `rm=0`).
fn build_request(q: &QueryParams) -> ApiResult<BuildRequest> {
    if let Some(remote) = q.get("remote").filter(|r| !r.is_empty()) {
        return Err(ApiError::invalid(format!(
            "remote build contexts are not supported: {remote} (send the context as a tar body)"
        )));
    }
    if q.get("version").is_some_and(|v| v == "2") {
        return Err(ApiError::invalid(
            "BuildKit is not supported by this daemon: use the legacy builder (version=1)",
        ));
    }
    if let Some(platform) = q.get("platform").filter(|p| !p.is_empty()) {
        if !matches!(platform, "linux" | "linux/amd64") {
            return Err(ApiError::invalid(format!(
                "unsupported platform {platform:?}: this daemon builds linux/amd64 only"
            )));
        }
    }
    // dockerd refuses squashing unless started with experimental features, which berthd has not.
    if q.bool("squash") {
        return Err(ApiError::invalid(
            "squash is only supported with experimental mode",
        ));
    }
    let dockerfile = q
        .get("dockerfile")
        .filter(|d| !d.is_empty())
        .unwrap_or("Dockerfile")
        .to_string();
    Ok(BuildRequest {
        tags: q
            .get_all("t")
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect(),
        dockerfile,
        build_args: json_map(q, "buildargs")?,
        labels: json_map(q, "labels")?,
        target: q
            .get("target")
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        no_cache: q.bool("nocache"),
        pull: q.bool("pull"),
        quiet: q.bool("q"),
        rm: q.get("rm").is_none_or(|v| v.is_empty()) || q.bool("rm"),
        force_rm: q.bool("forcerm"),
        // The docker CLI sends `default` unless `--network` says otherwise.
        network_mode: q
            .get("networkmode")
            .filter(|m| *m != "default")
            .unwrap_or("")
            .to_string(),
        run_resources: BuildRunResources {
            extra_hosts: q
                .get_all("extrahosts")
                .into_iter()
                .filter(|h| !h.is_empty())
                .collect(),
            shm_size: q.int("shmsize")?.unwrap_or(0),
            memory: q.int("memory")?.unwrap_or(0),
            memory_swap: q.int("memswap")?.unwrap_or(0),
            cpu_shares: q.int("cpushares")?.unwrap_or(0),
            cpu_period: q.int("cpuperiod")?.unwrap_or(0),
            cpu_quota: q.int("cpuquota")?.unwrap_or(0),
            cpuset_cpus: q.get("cpusetcpus").unwrap_or("").to_string(),
            cpuset_mems: q.get("cpusetmems").unwrap_or("").to_string(),
        },
    })
}

/// `POST /build?t=…&dockerfile=…&buildargs=…&labels=…&target=…&nocache=…&rm=…&forcerm=…&q=…
/// &networkmode=…&extrahosts=…&shmsize=…&memory=…&memswap=…&cpushares=…&cpuperiod=…&cpuquota=…
/// &cpusetcpus=…&cpusetmems=…`.
async fn build<B: ImageBackend>(
    State(b): State<Arc<B>>,
    q: QueryParams,
    req: Request,
) -> ApiResult<Response> {
    let request = build_request(&q)?;
    let body = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let stream = b.build(Box::pin(body), request).await?;
    Ok(super::transfer::progress_response(stream))
}

/// `POST /build/prune`: the legacy cache is the images themselves (API 1.41 answer shape).
async fn prune<B: ImageBackend>(State(b): State<Arc<B>>) -> ApiResult<Response> {
    Ok(json_ok(&b.prune_build_cache().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ApiResult<BuildRequest> {
        build_request(&QueryParams::parse(query).unwrap())
    }

    #[test]
    fn docker_cli_query() {
        let r = parse("buildargs=%7B%22FOO%22%3A%22bar%22%2C%22UNSET%22%3Anull%7D&dockerfile=sub%2FDf&labels=%7B%22l1%22%3A%22v1%22%7D&q=1&t=x%3Av2&t=y&version=1").unwrap();
        assert_eq!(r.tags, ["x:v2", "y"]);
        assert_eq!(r.dockerfile, "sub/Df");
        assert_eq!(r.build_args.get("FOO").map(String::as_str), Some("bar"));
        assert!(!r.build_args.contains_key("UNSET"));
        assert_eq!(r.labels.get("l1").map(String::as_str), Some("v1"));
        assert!(r.quiet && r.rm && !r.force_rm && !r.no_cache);
        assert!(!parse("rm=0").unwrap().rm);
        assert_eq!(parse("").unwrap().dockerfile, "Dockerfile");
    }

    #[test]
    fn docker_py_run_resources() {
        let r = parse("extrahosts=myhost%3A10.1.2.3&extrahosts=other%3A10.1.2.4&shmsize=33554432&memory=134217728&memswap=-1&cpushares=512&cpuperiod=100000&cpuquota=50000&cpusetcpus=0-1&cpusetmems=0").unwrap();
        let run = &r.run_resources;
        assert_eq!(run.extra_hosts, ["myhost:10.1.2.3", "other:10.1.2.4"]);
        assert_eq!(run.shm_size, 33_554_432);
        assert_eq!(run.memory, 134_217_728);
        assert_eq!(run.memory_swap, -1);
        assert_eq!(run.cpu_shares, 512);
        assert_eq!((run.cpu_period, run.cpu_quota), (100_000, 50_000));
        assert_eq!(
            (run.cpuset_cpus.as_str(), run.cpuset_mems.as_str()),
            ("0-1", "0")
        );
        assert_eq!(
            parse("").unwrap().run_resources,
            BuildRunResources::default()
        );
        assert!(parse("shmsize=lots").is_err());
    }

    #[test]
    fn refusals() {
        let remote = parse("remote=https%3A%2F%2Fexample.com%2Fctx.tar").unwrap_err();
        assert_eq!(remote.kind, errdefs::ErrorKind::InvalidArgument);
        assert!(remote
            .message
            .contains("remote build contexts are not supported"));
        assert!(parse("platform=linux%2Farm64").is_err());
        assert!(parse("platform=linux%2Famd64").is_ok());
        assert!(parse("buildargs=notjson").is_err());
        assert!(parse("version=2").is_err());
        let squash = parse("squash=1").unwrap_err();
        assert_eq!(squash.kind, errdefs::ErrorKind::InvalidArgument);
        assert_eq!(
            squash.message,
            "squash is only supported with experimental mode"
        );
        assert!(parse("squash=0").is_ok());
    }
}
