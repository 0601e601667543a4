//! Exec instances: `POST /containers/{id}/exec`, `POST /exec/{id}/start`, `GET /exec/{id}/json`.

use serde::{Deserialize, Serialize};

/// `POST /containers/{id}/exec` body (dockerd's `ExecConfig`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecCreateBody {
    pub user: String,
    pub privileged: bool,
    pub tty: bool,
    pub console_size: Option<[u64; 2]>,
    pub attach_stdin: bool,
    pub attach_stderr: bool,
    pub attach_stdout: bool,
    pub detach_keys: String,
    pub env: Option<Vec<String>>,
    pub working_dir: String,
    pub cmd: Option<Vec<String>>,
}

/// `{"Id": "<64 hex>"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdResponse {
    #[serde(rename = "Id")]
    pub id: String,
}

/// `POST /exec/{id}/start` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecStartBody {
    pub detach: bool,
    pub tty: bool,
    pub console_size: Option<[u64; 2]>,
}

/// `ProcessConfig` of an exec inspect.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExecProcessConfig {
    pub tty: bool,
    pub entrypoint: String,
    pub arguments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// `GET /exec/{id}/json`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecInspect {
    #[serde(rename = "ID")]
    pub id: String,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub process_config: ExecProcessConfig,
    pub open_stdin: bool,
    pub open_stderr: bool,
    pub open_stdout: bool,
    pub can_remove: bool,
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    pub detach_keys: String,
    pub pid: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_from_cli() {
        let b: ExecCreateBody = serde_json::from_str(
            r#"{"User":"","Privileged":false,"Tty":true,"AttachStdin":true,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":null,"WorkingDir":"","Cmd":["sh"]}"#,
        )
        .unwrap();
        assert!(b.tty && b.attach_stdin);
        assert_eq!(b.cmd.unwrap(), vec!["sh"]);
    }

    #[test]
    fn inspect_field_names() {
        let v = serde_json::to_value(ExecInspect::default()).unwrap();
        for k in [
            "ID",
            "Running",
            "ExitCode",
            "ProcessConfig",
            "ContainerID",
            "Pid",
            "OpenStdin",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert!(v["ProcessConfig"].get("entrypoint").is_some());
    }
}
