//! Exec endpoints: create, start (hijacked or detached), resize, inspect.

use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::transport::{check_status, path_segment};
use crate::{Client, ClientError, HijackedStream, Query, RequestBody};

/// The body of `POST /containers/{id}/exec`, field for field as the docker CLI sends it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ExecConfig {
    #[serde(rename = "User")]
    pub user: String,
    #[serde(rename = "Privileged")]
    pub privileged: bool,
    #[serde(rename = "Tty")]
    pub tty: bool,
    /// `[height, width]` of the TTY at creation (API ≥ 1.42 honours it; 1.41 ignores it).
    #[serde(rename = "ConsoleSize", skip_serializing_if = "Option::is_none")]
    pub console_size: Option<[u64; 2]>,
    #[serde(rename = "AttachStdin")]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStderr")]
    pub attach_stderr: bool,
    #[serde(rename = "AttachStdout")]
    pub attach_stdout: bool,
    #[serde(rename = "Detach")]
    pub detach: bool,
    #[serde(rename = "DetachKeys")]
    pub detach_keys: String,
    #[serde(rename = "Env")]
    pub env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    pub working_dir: String,
    #[serde(rename = "Cmd")]
    pub cmd: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct IdResponse {
    #[serde(rename = "Id")]
    id: String,
}

/// The parts of `GET /exec/{id}/json` the CLI uses.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ExecInspect {
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(rename = "Running", default)]
    pub running: bool,
    /// `None` while the process runs (the daemon sends `null`).
    #[serde(rename = "ExitCode", default)]
    pub exit_code: Option<i64>,
    #[serde(rename = "ContainerID", default)]
    pub container_id: String,
    #[serde(rename = "Pid", default)]
    pub pid: i64,
}

#[derive(Serialize)]
struct ExecStartBody {
    #[serde(rename = "Detach")]
    detach: bool,
    #[serde(rename = "Tty")]
    tty: bool,
}

impl Client {
    /// `POST /containers/{id}/exec`: the new exec instance's id.
    pub async fn create_exec(
        &self,
        container: &str,
        config: &ExecConfig,
    ) -> Result<String, ClientError> {
        let path = format!("/containers/{}/exec", path_segment(container));
        let created: IdResponse = self
            .json(
                Method::POST,
                &path,
                &Query::new(),
                RequestBody::json(config)?,
            )
            .await?;
        Ok(created.id)
    }

    /// `POST /exec/{id}/start` with `{"Detach":false}` and `Upgrade: tcp`; expects `101` (an
    /// older daemon may answer `200` and stream on the same connection, which we accept too).
    pub async fn start_exec_attached(
        &self,
        id: &str,
        tty: bool,
    ) -> Result<HijackedStream, ClientError> {
        let path = format!("/exec/{}/start", path_segment(id));
        let body = RequestBody::json(&ExecStartBody { detach: false, tty })?;
        let response = self
            .send(Method::POST, &path, &Query::new(), body, true)
            .await?;
        let response = check_status(response).await?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(ClientError::UpgradeRefused(response.status().as_u16()));
        }
        let upgraded = hyper::upgrade::on(response).await?;
        Ok(HijackedStream::new(upgraded))
    }

    /// `POST /exec/{id}/start` with `{"Detach":true}`: the daemon answers `200` at once.
    pub async fn start_exec_detached(&self, id: &str, tty: bool) -> Result<(), ClientError> {
        let path = format!("/exec/{}/start", path_segment(id));
        let body = RequestBody::json(&ExecStartBody { detach: true, tty })?;
        self.bytes(Method::POST, &path, &Query::new(), body)
            .await
            .map(drop)
    }

    /// `POST /exec/{id}/resize?h=&w=`.
    pub async fn resize_exec(&self, id: &str, height: u16, width: u16) -> Result<(), ClientError> {
        let path = format!("/exec/{}/resize", path_segment(id));
        let query = Query::new()
            .push("h", height.to_string())
            .push("w", width.to_string());
        self.bytes(Method::POST, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `GET /exec/{id}/json`.
    pub async fn inspect_exec(&self, id: &str) -> Result<ExecInspect, ClientError> {
        self.get_json(&format!("/exec/{}/json", path_segment(id)), &Query::new())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_config_serializes_like_the_docker_cli() {
        let config = ExecConfig {
            attach_stderr: true,
            attach_stdout: true,
            cmd: vec!["sh".into(), "-c".into(), "exit 5".into()],
            ..ExecConfig::default()
        };
        assert_eq!(
            serde_json::to_string(&config).unwrap(),
            r#"{"User":"","Privileged":false,"Tty":false,"AttachStdin":false,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":null,"WorkingDir":"","Cmd":["sh","-c","exit 5"]}"#
        );
    }

    #[test]
    fn exec_inspect_reads_a_running_exec() {
        let inspect: ExecInspect = serde_json::from_str(
            r#"{"ID":"b4","Running":true,"ExitCode":null,"ContainerID":"c","Pid":7}"#,
        )
        .unwrap();
        assert!(inspect.running);
        assert_eq!(inspect.exit_code, None);
        assert_eq!(inspect.pid, 7);
    }
}
