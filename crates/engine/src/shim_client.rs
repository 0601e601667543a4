//! Talking to a `berth-shim` over its socket: one JSON-line request per connection, one JSON-line
//! answer, then (for `attach`) a byte stream (docs/architecture.md, "The shim contract").

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::error::{EngineError, Result};

/// How init ended (`exit` in answers, and `exit.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExitInfo {
    pub exit_code: i32,
    #[serde(default)]
    pub signal: Option<i32>,
    #[serde(default)]
    pub oom_killed: bool,
    #[serde(default)]
    pub finished_at: String,
    #[serde(default)]
    pub error: Option<String>,
}

/// A shim's answer line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShimReply {
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub pid: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub exit: Option<ExitInfo>,
}

/// Reads one `\n`-terminated line byte by byte, so nothing after it is consumed.
pub async fn read_line<R: AsyncReadExt + Unpin>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::with_capacity(128);
    let mut byte = [0u8; 1];
    loop {
        let n = r.read(&mut byte).await?;
        if n == 0 {
            if line.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "shim closed the connection",
                ));
            }
            return Ok(line);
        }
        if byte[0] == b'\n' {
            return Ok(line);
        }
        line.push(byte[0]);
        if line.len() > 1 << 20 {
            return Err(std::io::Error::other("shim answer too long"));
        }
    }
}

/// Sends `request` and returns the answer and the still-open connection.
pub async fn call(socket: &Path, request: &Value) -> Result<(ShimReply, UnixStream)> {
    let mut conn = UnixStream::connect(socket)
        .await
        .map_err(|e| EngineError::io(format!("connect to shim {}", socket.display()), e))?;
    let mut line = serde_json::to_vec(request).map_err(|e| EngineError::Internal(e.to_string()))?;
    line.push(b'\n');
    conn.write_all(&line)
        .await
        .map_err(|e| EngineError::io("write to shim", e))?;
    let answer = read_line(&mut conn)
        .await
        .map_err(|e| EngineError::io("read from shim", e))?;
    let reply: ShimReply = serde_json::from_slice(&answer).map_err(|e| {
        EngineError::Internal(format!(
            "bad shim answer {:?}: {e}",
            String::from_utf8_lossy(&answer)
        ))
    })?;
    Ok((reply, conn))
}

/// A request whose answer must be `ok`; the shim's error otherwise.
pub async fn call_ok(socket: &Path, request: &Value) -> Result<ShimReply> {
    let (reply, _conn) = call(socket, request).await?;
    if reply.ok {
        Ok(reply)
    } else {
        Err(EngineError::Internal(
            reply.error.unwrap_or_else(|| "shim request failed".into()),
        ))
    }
}

pub async fn start(socket: &Path) -> Result<std::result::Result<(), String>> {
    let (reply, _conn) = call(socket, &json!({"op": "start"})).await?;
    Ok(if reply.ok {
        Ok(())
    } else {
        Err(reply.error.unwrap_or_else(|| "start failed".into()))
    })
}

pub async fn kill(socket: &Path, signal: i32, all: bool) -> Result<()> {
    call_ok(socket, &json!({"op": "kill", "signal": signal, "all": all}))
        .await
        .map(|_| ())
}

pub async fn state(socket: &Path) -> Result<ShimReply> {
    call_ok(socket, &json!({"op": "state"})).await
}

/// Blocks until init has exited and its output is drained.
pub async fn wait(socket: &Path) -> Result<ExitInfo> {
    let reply = call_ok(socket, &json!({"op": "wait"})).await?;
    reply
        .exit
        .ok_or_else(|| EngineError::Internal("shim wait answer without exit".into()))
}

/// Opens an attach stream: stdcopy frames out, raw stdin in.
pub async fn attach(socket: &Path, stdin: bool, stdout: bool, stderr: bool) -> Result<UnixStream> {
    let (reply, conn) = call(
        socket,
        &json!({"op": "attach", "stdin": stdin, "stdout": stdout, "stderr": stderr}),
    )
    .await?;
    if reply.ok {
        Ok(conn)
    } else {
        Err(EngineError::Internal(
            reply.error.unwrap_or_else(|| "attach failed".into()),
        ))
    }
}

/// Reads `exit.json` written by a shim that has gone.
pub fn read_exit_file(path: &Path) -> Option<ExitInfo> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn call_reads_exactly_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s.sock");
        let listener = tokio::net::UnixListener::bind(&sock).unwrap();
        tokio::spawn(async move {
            let (mut c, _) = listener.accept().await.unwrap();
            let req = read_line(&mut c).await.unwrap();
            assert_eq!(
                req,
                br#"{"op":"attach","stderr":true,"stdin":false,"stdout":true}"#
            );
            c.write_all(b"{\"ok\":true}\n\x01\x00\x00\x00\x00\x00\x00\x03hi\n")
                .await
                .unwrap();
        });
        let mut conn = attach(&sock, false, true, true).await.unwrap();
        let mut rest = Vec::new();
        conn.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n");
    }

    #[test]
    fn exit_info_parses_contract_shape() {
        let e: ExitInfo = serde_json::from_str(r#"{"exit_code":137,"signal":9,"oom_killed":false,"finished_at":"2026-11-22T10:00:00.1Z","error":null}"#).unwrap();
        assert_eq!(e.exit_code, 137);
        assert_eq!(e.signal, Some(9));
    }
}
