//! `docker cp`'s endpoints: `HEAD`/`GET`/`PUT /containers/{id}/archive?path=`.

use base64::Engine as _;
use hyper::Method;
use serde::Deserialize;

use crate::transport::{check_status, path_segment};
use crate::{ByteStream, Client, ClientError, Query, RequestBody};

/// Go's `os.ModeDir`.
const MODE_DIR: u32 = 1 << 31;
/// Go's `os.ModeSymlink`.
const MODE_SYMLINK: u32 = 1 << 27;
/// Go's `os.ModeType` bits other than dir and symlink: named pipe, socket, device, char device,
/// irregular.
const MODE_OTHER_TYPES: u32 = (1 << 25) | (1 << 24) | (1 << 26) | (1 << 21) | (1 << 19);

/// The `X-Docker-Container-Path-Stat` header: what a path in a container is.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ContainerPathStat {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub size: i64,
    /// A Go `os.FileMode` (type bits high, permission bits low).
    #[serde(default)]
    pub mode: u32,
    #[serde(default)]
    pub mtime: String,
    #[serde(rename = "linkTarget", default)]
    pub link_target: String,
}

impl ContainerPathStat {
    pub fn is_dir(&self) -> bool {
        self.mode & MODE_DIR != 0
    }

    pub fn is_symlink(&self) -> bool {
        self.mode & MODE_SYMLINK != 0
    }

    /// Neither a directory, a symlink nor a regular file (docker's `ValidateOutputPathFileMode`).
    pub fn is_special(&self) -> bool {
        self.mode & MODE_OTHER_TYPES != 0
    }
}

/// Query options of `PUT /containers/{id}/archive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyToContainerOptions {
    /// docker always sends `noOverwriteDirNonDir=true`.
    pub no_overwrite_dir_non_dir: bool,
    /// `-a`: `copyUIDGID=true`.
    pub copy_uid_gid: bool,
}

impl Default for CopyToContainerOptions {
    fn default() -> Self {
        CopyToContainerOptions {
            no_overwrite_dir_non_dir: true,
            copy_uid_gid: false,
        }
    }
}

const STAT_HEADER: &str = "x-docker-container-path-stat";

fn decode_stat(headers: &hyper::HeaderMap) -> Result<ContainerPathStat, ClientError> {
    let Some(value) = headers.get(STAT_HEADER) else {
        return Ok(ContainerPathStat::default());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.as_bytes())
        .map_err(|e| {
            ClientError::InvalidRequest(format!("unable to decode container path stat header: {e}"))
        })?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn archive_path(id: &str) -> String {
    format!("/containers/{}/archive", path_segment(id))
}

impl Client {
    /// `HEAD /containers/{id}/archive?path=`. A HEAD answer has no body, so a missing path is an
    /// `Api` error with status 404 and the status text as message.
    pub async fn stat_container_path(
        &self,
        id: &str,
        path: &str,
    ) -> Result<ContainerPathStat, ClientError> {
        let query = Query::new().push("path", path);
        let response = self
            .send(
                Method::HEAD,
                &archive_path(id),
                &query,
                RequestBody::Empty,
                false,
            )
            .await?;
        let response = check_status(response).await?;
        decode_stat(response.headers())
    }

    /// `GET /containers/{id}/archive?path=`: the path's stat and a tar of it.
    pub async fn copy_from_container(
        &self,
        id: &str,
        path: &str,
    ) -> Result<(ContainerPathStat, ByteStream), ClientError> {
        let query = Query::new().push("path", path);
        let response = self
            .request(Method::GET, &archive_path(id), &query, RequestBody::Empty)
            .await?;
        let stat = decode_stat(response.headers())?;
        Ok((stat, ByteStream::new(response.into_body())))
    }

    /// `PUT /containers/{id}/archive?path=`: extracts the tar `body` into the directory `path`.
    pub async fn copy_to_container(
        &self,
        id: &str,
        path: &str,
        body: RequestBody,
        options: CopyToContainerOptions,
    ) -> Result<(), ClientError> {
        // docker's url.Values.Encode order (sorted keys).
        let query = Query::new()
            .opt("copyUIDGID", options.copy_uid_gid.then_some("true"))
            .opt(
                "noOverwriteDirNonDir",
                options.no_overwrite_dir_non_dir.then_some("true"),
            )
            .push("path", path);
        self.request(Method::PUT, &archive_path(id), &query, body)
            .await?;
        Ok(())
    }
}
