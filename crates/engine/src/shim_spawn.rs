//! Starting a `berth-shim` for a container and waiting for its "created" handshake line.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::process::Command;

use crate::error::{EngineError, Result};
use crate::shim_client::read_line;

#[derive(Deserialize)]
struct Handshake {
    ok: bool,
    #[serde(default)]
    pid: Option<i64>,
    #[serde(default)]
    error: Option<String>,
}

/// What a shim is started with.
pub struct ShimArgs<'a> {
    pub shim: &'a Path,
    pub id: &'a str,
    pub bundle: &'a Path,
    pub socket: &'a Path,
    pub stdin: bool,
    pub stdin_once: bool,
    /// `--log-driver …` and rotation flags (log_config.rs).
    pub log_args: Vec<String>,
}

/// How long a previous shim of the same container may linger after its init exited.
const OLD_SHIM_GRACE: Duration = Duration::from_secs(3);

/// Waits until no previous shim serves `socket`: a lingering shim removes the socket path when
/// it exits, which would delete the new shim's socket.
async fn wait_for_previous_shim(socket: &Path) {
    let deadline = tokio::time::Instant::now() + OLD_SHIM_GRACE;
    while socket.exists() && tokio::time::Instant::now() < deadline {
        if tokio::net::UnixStream::connect(socket).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Spawns the shim and returns the host pid of the created (not yet started) init.
pub async fn spawn_shim(args: &ShimArgs<'_>) -> Result<i64> {
    wait_for_previous_shim(args.socket).await;
    let _ = std::fs::remove_file(args.socket);
    let mut cmd = Command::new(args.shim);
    cmd.arg("--id")
        .arg(args.id)
        .arg("--bundle")
        .arg(args.bundle)
        .arg("--socket")
        .arg(args.socket);
    if args.stdin {
        cmd.arg("--stdin");
    }
    if args.stdin_once {
        cmd.arg("--stdin-once");
    }
    cmd.args(&args.log_args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| EngineError::io(format!("spawn {}", args.shim.display()), e))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| EngineError::Internal("shim stdout missing".into()))?;
    let line = read_line(&mut stdout).await;
    drop(stdout);
    let line = match line {
        Ok(l) => l,
        Err(e) => {
            let status = child.wait().await.ok();
            let log = std::fs::read_to_string(args.bundle.join("shim.log")).unwrap_or_default();
            return Err(EngineError::Internal(format!(
                "shim exited without a handshake ({e}; status {status:?}): {}",
                log.trim()
            )));
        }
    };
    // The shim keeps running (setsid) after the handshake; tokio reaps it when it exits.
    let hs: Handshake = serde_json::from_slice(&line).map_err(|e| {
        EngineError::Internal(format!(
            "bad shim handshake {:?}: {e}",
            String::from_utf8_lossy(&line)
        ))
    })?;
    if !hs.ok {
        let _ = child.wait().await;
        return Err(EngineError::StartFailed(
            hs.error
                .unwrap_or_else(|| "shim failed to create the container".into()),
        ));
    }
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    hs.pid
        .ok_or_else(|| EngineError::Internal("shim handshake without pid".into()))
}
