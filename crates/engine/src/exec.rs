//! `docker exec`: exec instances kept in memory (dockerd does not persist them either), each run
//! by a short-lived exec shim (docs/architecture.md, "The exec contract").

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use api::{ExecCreateBody, ExecInspect, ExecProcessConfig, ExecStartBody};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::UnixStream;
use tokio::process::Command;
use tokio::sync::oneshot;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::layer_view::LayerView;
use crate::lifecycle::start_failure_exit_code;
use crate::paths::short_id;
use crate::shim_client::{self, read_line, ShimReply};

/// One exec instance.
#[derive(Debug, Clone)]
pub struct ExecRecord {
    pub id: String,
    pub container_id: String,
    pub config: ExecCreateBody,
    pub started: bool,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub pid: i64,
}

/// How long a resize waits for its exec to start (dockerd's bound).
const EXEC_START_WAIT: Duration = Duration::from_secs(10);

/// Every exec instance of this daemon's lifetime, by id.
#[derive(Default)]
pub struct ExecStore {
    execs: Mutex<HashMap<String, ExecRecord>>,
}

impl ExecStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExecRecord>> {
        self.execs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, id: &str) -> Result<ExecRecord> {
        self.lock()
            .get(id)
            .cloned()
            .ok_or_else(|| EngineError::NoSuchExec(id.to_string()))
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut ExecRecord)) {
        if let Some(r) = self.lock().get_mut(id) {
            f(r);
        }
    }

    /// Running exec ids of a container (its inspect's `ExecIDs`).
    pub fn running_for(&self, container_id: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .lock()
            .values()
            .filter(|r| r.container_id == container_id && (r.running || !r.started))
            .map(|r| r.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Forgets the execs of a removed container.
    pub fn forget_container(&self, container_id: &str) {
        self.lock().retain(|_, r| r.container_id != container_id);
    }
}

/// What a started, attached exec hands to the API: its stdio connection to the exec shim, or the
/// start error to print on the hijacked stream (dockerd writes it there too).
pub enum ExecStarted {
    Attached(ExecIo),
    /// The bytes to send on the hijacked stream: the error line, stdcopy-framed as stdout
    /// unless the exec has a TTY (as dockerd writes it).
    Failed(Vec<u8>),
    Detached,
}

/// The exec's stdio connection; its output ends only once the exit code is recorded, so that a
/// client inspecting the exec right after the stream closes (the docker CLI does) sees it.
pub struct ExecIo {
    conn: UnixStream,
    exited: Option<oneshot::Receiver<()>>,
}

impl AsyncRead for ExecIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.conn).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before => {
                // End of output: hold the EOF back until the exit is recorded.
                if let Some(rx) = self.exited.as_mut() {
                    if Pin::new(rx).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.exited = None;
                }
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for ExecIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.conn).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.conn).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.conn).poll_shutdown(cx)
    }
}

fn command_line(cfg: &ExecCreateBody) -> String {
    cfg.cmd.clone().unwrap_or_default().join(" ")
}

impl Engine {
    fn execs(&self) -> &ExecStore {
        &self.inner.execs
    }

    /// `ExecIDs` of a container's inspect (`None` when there are none, as dockerd).
    pub fn exec_ids(&self, container_id: &str) -> Option<Vec<String>> {
        let ids = self.execs().running_for(container_id);
        (!ids.is_empty()).then_some(ids)
    }

    fn exec_event(&self, action: &str, rec: &ExecRecord, extra: BTreeMap<String, String>) {
        let Ok(h) = self.inner.registry.resolve(&rec.container_id) else {
            return;
        };
        let engine = self.clone();
        let action = action.to_string();
        let exec_id = rec.id.clone();
        tokio::spawn(async move {
            let entry = h.entry.lock().await;
            let mut attrs = extra;
            attrs.insert("execID".into(), exec_id);
            engine.emit_with(&action, &entry.record, attrs);
        });
    }

    /// `POST /containers/{id}/exec`.
    pub async fn create_exec(&self, name: &str, body: ExecCreateBody) -> Result<String> {
        let h = self.inner.registry.resolve(name)?;
        if body.cmd.as_ref().map(|c| c.is_empty()).unwrap_or(true) {
            return Err(EngineError::InvalidArgument(
                "No exec command specified".into(),
            ));
        }
        {
            let entry = h.entry.lock().await;
            check_runnable(&h.id, &entry.record.state)?;
        }
        let id = crate::ids::generate_id();
        let rec = ExecRecord {
            id: id.clone(),
            container_id: h.id.clone(),
            config: body,
            started: false,
            running: false,
            exit_code: None,
            pid: 0,
        };
        self.execs().lock().insert(id.clone(), rec.clone());
        self.exec_event(
            &format!("exec_create: {}", command_line(&rec.config)),
            &rec,
            BTreeMap::new(),
        );
        Ok(id)
    }

    /// `GET /exec/{id}/json`.
    pub fn inspect_exec(&self, id: &str) -> Result<ExecInspect> {
        let r = self.execs().get(id)?;
        let cmd = r.config.cmd.clone().unwrap_or_default();
        Ok(ExecInspect {
            id: r.id,
            running: r.running,
            exit_code: r.exit_code,
            process_config: ExecProcessConfig {
                tty: r.config.tty,
                entrypoint: cmd.first().cloned().unwrap_or_default(),
                arguments: cmd.iter().skip(1).cloned().collect(),
                privileged: Some(r.config.privileged),
                user: (!r.config.user.is_empty()).then(|| r.config.user.clone()),
            },
            open_stdin: r.config.attach_stdin,
            open_stderr: r.config.attach_stderr,
            open_stdout: r.config.attach_stdout,
            can_remove: !r.running && r.started,
            container_id: r.container_id,
            detach_keys: r.config.detach_keys,
            pid: r.pid,
        })
    }

    /// `POST /exec/{id}/resize`.
    ///
    /// As dockerd, waits (up to 10 s) for an exec that has not started yet: clients resize right
    /// after the start's 101, and the process starts only after it.
    pub async fn resize_exec(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let deadline = tokio::time::Instant::now() + EXEC_START_WAIT;
        loop {
            let r = self.execs().get(id)?;
            if r.running {
                break;
            }
            if r.exit_code.is_some() || tokio::time::Instant::now() >= deadline {
                return Err(EngineError::Conflict(format!("Exec {id} is not running")));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        crate::resize::resize_pty(&self.exec_socket(id), height, width).await
    }

    fn exec_dir(&self) -> PathBuf {
        self.config().exec_root.join("execs")
    }

    fn exec_socket(&self, id: &str) -> PathBuf {
        self.exec_dir().join(format!("{}.sock", short_id(id)))
    }

    /// `POST /exec/{id}/start`: spawns the exec shim, attaches (unless detached), starts the
    /// process and records its exit in the background.
    pub async fn start_exec(&self, id: &str, start: ExecStartBody) -> Result<ExecStarted> {
        let t0 = std::time::Instant::now();
        let rec = {
            let mut execs = self.execs().lock();
            let r = execs
                .get_mut(id)
                .ok_or_else(|| EngineError::NoSuchExec(id.to_string()))?;
            if r.started {
                return Err(EngineError::Conflict(format!(
                    "Error: Exec command {id} is already running"
                )));
            }
            r.started = true;
            r.clone()
        };
        let h = self.inner.registry.resolve(&rec.container_id)?;
        let (spec_process, container_pid, layers) = {
            let entry = h.entry.lock().await;
            if let Err(e) = check_runnable(&h.id, &entry.record.state) {
                self.execs().update(id, |r| r.started = false);
                return Err(e);
            }
            let bundle = self.paths().container_dir(&h.id);
            let process = read_spec_process(&bundle)?;
            let view = LayerView::load(&bundle)?;
            let mut layers = vec![view.upper];
            layers.extend(view.lowers);
            (process, entry.record.state.pid, layers)
        };
        let mut cfg = rec.config.clone();
        if start.console_size.is_some() {
            cfg.console_size = start.console_size;
        }
        let process = exec_process(&spec_process, &cfg, &layers)?;
        let dir = self.exec_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| EngineError::io(format!("create {}", dir.display()), e))?;
        let process_path = dir.join(format!("{}.json", short_id(id)));
        let socket = self.exec_socket(id);
        let bytes =
            serde_json::to_vec(&process).map_err(|e| EngineError::Internal(e.to_string()))?;
        crate::atomic::write_renamed(&process_path, &bytes)
            .map_err(|e| EngineError::io(format!("write {}", process_path.display()), e))?;
        let spawned = spawn_exec_shim(
            &self.config().shim_path,
            id,
            &self.paths().container_dir(&h.id),
            container_pid,
            &process_path,
            &socket,
            cfg.attach_stdin && !start.detach,
        )
        .await;
        let _ = std::fs::remove_file(&process_path);
        tracing::debug!(elapsed = ?t0.elapsed(), "exec start: shim handshake");
        let pid = match spawned {
            Ok(pid) => pid,
            Err(e) => {
                self.record_exec_failure(&rec, &e.to_string());
                return Err(e);
            }
        };
        // Connect the waiter and the attach stream before starting: nothing is missed, and
        // the exec shim (which exits once its waiters are answered) cannot go away first.
        let waiter = open_wait(&socket).await?;
        let attach = if start.detach {
            None
        } else {
            Some(
                shim_client::attach(
                    &socket,
                    cfg.attach_stdin,
                    cfg.attach_stdout,
                    cfg.attach_stderr,
                )
                .await?,
            )
        };
        tracing::debug!(elapsed = ?t0.elapsed(), "exec start: attached");
        match shim_client::start(&socket).await? {
            Ok(()) => {
                tracing::debug!(elapsed = ?t0.elapsed(), "exec start: started");
            }
            Err(msg) => {
                self.record_exec_failure(&rec, &msg);
                let _ = shim_client::kill(&socket, 9, true).await;
                return if start.detach {
                    Err(EngineError::StartFailed(msg))
                } else {
                    let line = format!(
                        "OCI runtime exec failed: exec failed: unable to start container process: {msg}: unknown\r\n"
                    );
                    Ok(ExecStarted::Failed(if cfg.tty {
                        line.into_bytes()
                    } else {
                        api::stdcopy::encode(api::stdcopy::StdStream::Stdout, line.as_bytes())
                    }))
                };
            }
        }
        self.execs().update(id, |r| {
            r.running = true;
            r.pid = pid;
        });
        self.exec_event(
            &format!("exec_start: {}", command_line(&rec.config)),
            &rec,
            BTreeMap::new(),
        );
        let engine = self.clone();
        let exec_id = id.to_string();
        let (exited_tx, exited_rx) = oneshot::channel();
        tokio::spawn(async move {
            let code = match finish_wait(waiter).await {
                Ok(code) => code,
                Err(e) => {
                    tracing::debug!("exec {exec_id} wait: {e}");
                    137
                }
            };
            engine.execs().update(&exec_id, |r| {
                r.running = false;
                r.exit_code = Some(code);
            });
            // Read before the stream ends: a healthcheck forgets its probe's record then.
            let finished = engine.execs().get(&exec_id);
            let _ = exited_tx.send(());
            tracing::debug!(elapsed = ?t0.elapsed(), "exec start: exit recorded");
            if let Ok(r) = finished {
                engine.exec_event(
                    "exec_die",
                    &r,
                    BTreeMap::from([("exitCode".to_string(), code.to_string())]),
                );
            }
        });
        Ok(match attach {
            Some(conn) => ExecStarted::Attached(ExecIo {
                conn,
                exited: Some(exited_rx),
            }),
            None => ExecStarted::Detached,
        })
    }

    /// The recorded exit code of an exec (`None` while it runs or when unknown).
    pub(crate) fn exec_exit_code(&self, id: &str) -> Option<i64> {
        self.execs().get(id).ok().and_then(|r| r.exit_code)
    }

    /// SIGKILLs a running exec's process (a healthcheck probe past its timeout).
    pub(crate) async fn kill_exec(&self, id: &str) {
        if let Err(e) =
            shim_client::kill(&self.exec_socket(id), crate::signal::SIGKILL, false).await
        {
            tracing::debug!("kill exec {id}: {e}");
        }
    }

    /// Drops an exec record (healthcheck probes are not kept, as dockerd).
    pub(crate) fn forget_exec(&self, id: &str) {
        self.execs().lock().remove(id);
    }

    fn record_exec_failure(&self, rec: &ExecRecord, msg: &str) {
        let code = start_failure_exit_code(msg);
        self.execs().update(&rec.id, |r| {
            r.running = false;
            r.exit_code = Some(code);
        });
        self.exec_event(
            "exec_die",
            rec,
            BTreeMap::from([("exitCode".to_string(), code.to_string())]),
        );
    }
}

/// dockerd's 409s: exec needs a running, unpaused container.
fn check_runnable(id: &str, state: &api::ContainerState) -> Result<()> {
    if !state.running {
        return Err(EngineError::Conflict(format!(
            "Container {id} is not running"
        )));
    }
    if state.paused {
        return Err(EngineError::Conflict(format!(
            "Container {id} is paused, unpause the container before exec"
        )));
    }
    if state.restarting {
        return Err(EngineError::Conflict(format!(
            "Container {id} is restarting, wait until the container is running"
        )));
    }
    Ok(())
}

fn read_spec_process(bundle: &Path) -> Result<Value> {
    let path = bundle.join("config.json");
    let bytes =
        std::fs::read(&path).map_err(|e| EngineError::io(format!("read {}", path.display()), e))?;
    let spec: Value = serde_json::from_slice(&bytes)
        .map_err(|e| EngineError::Internal(format!("parse {}: {e}", path.display())))?;
    Ok(spec.get("process").cloned().unwrap_or_else(|| json!({})))
}

/// Every capability (`exec --privileged` gets them all, as with Docker); ones the kernel does
/// not know are skipped by the runtime.
const ALL_CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// [`ALL_CAPABILITIES`] (listed in bit order) within berthd's own bounding set: a capability
/// the daemon lacks cannot be granted.
fn privileged_capabilities() -> Vec<&'static str> {
    let bounding = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapBnd:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(u64::MAX);
    ALL_CAPABILITIES
        .iter()
        .enumerate()
        .filter(|(bit, _)| bounding & (1u64 << bit) != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// The exec's OCI `process`: the container's (capabilities, rlimits, env) with the exec's
/// command, terminal, user, working dir and environment on top.
pub fn exec_process(base: &Value, cfg: &ExecCreateBody, layers: &[PathBuf]) -> Result<Value> {
    let mut p = base.clone();
    p["args"] = json!(cfg.cmd.clone().unwrap_or_default());
    p["terminal"] = json!(cfg.tty);
    match cfg.console_size {
        Some([h, w]) if h > 0 && w > 0 => p["consoleSize"] = json!({"height": h, "width": w}),
        _ => {
            if let Some(obj) = p.as_object_mut() {
                obj.remove("consoleSize");
            }
        }
    }
    let mut env: Vec<String> = p
        .get("env")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    if !cfg.user.is_empty() {
        let user = crate::user::resolve_user(&cfg.user, layers)?;
        p["user"] =
            json!({"uid": user.uid, "gid": user.gid, "additionalGids": user.additional_gids});
        env.retain(|e| !e.starts_with("HOME="));
        env.push(format!("HOME={}", user.home));
    }
    if cfg.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        env.push("TERM=xterm".into());
    }
    let env = crate::merge::merge_env(&env, cfg.env.as_deref().unwrap_or(&[]));
    p["env"] = json!(env);
    if !cfg.working_dir.is_empty() {
        p["cwd"] = json!(cfg.working_dir);
    }
    if cfg.privileged {
        let all = json!(privileged_capabilities());
        p["capabilities"] = json!({"bounding": all, "effective": all, "permitted": all});
    }
    Ok(p)
}

/// Spawns `berth-shim exec …` and returns the exec process's host pid from the handshake.
async fn spawn_exec_shim(
    shim: &Path,
    exec_id: &str,
    bundle: &Path,
    container_pid: i64,
    process: &Path,
    socket: &Path,
    stdin: bool,
) -> Result<i64> {
    let _ = std::fs::remove_file(socket);
    let mut cmd = Command::new(shim);
    cmd.arg("exec")
        .arg("--exec-id")
        .arg(exec_id)
        .arg("--bundle")
        .arg(bundle)
        .arg("--container-pid")
        .arg(container_pid.to_string())
        .arg("--process")
        .arg(process)
        .arg("--socket")
        .arg(socket);
    if stdin {
        cmd.arg("--stdin").arg("--stdin-once");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| EngineError::io(format!("spawn {}", shim.display()), e))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| EngineError::Internal("exec shim stdout missing".into()))?;
    let line = read_line(&mut stdout).await;
    drop(stdout);
    let line = match line {
        Ok(l) => l,
        Err(e) => {
            let status = child.wait().await.ok();
            return Err(EngineError::Internal(format!(
                "exec shim exited without a handshake ({e}; status {status:?})"
            )));
        }
    };
    let hs: ShimReply = serde_json::from_slice(&line).map_err(|e| {
        EngineError::Internal(format!(
            "bad exec shim handshake {:?}: {e}",
            String::from_utf8_lossy(&line)
        ))
    })?;
    if !hs.ok {
        let _ = child.wait().await;
        return Err(EngineError::StartFailed(
            hs.error.unwrap_or_else(|| "exec shim failed".into()),
        ));
    }
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    hs.pid
        .ok_or_else(|| EngineError::Internal("exec shim handshake without pid".into()))
}

/// Sends `wait` and leaves the answer to [`finish_wait`].
async fn open_wait(socket: &Path) -> Result<UnixStream> {
    let mut conn = UnixStream::connect(socket)
        .await
        .map_err(|e| EngineError::io(format!("connect to exec shim {}", socket.display()), e))?;
    conn.write_all(b"{\"op\":\"wait\"}\n")
        .await
        .map_err(|e| EngineError::io("write to exec shim", e))?;
    Ok(conn)
}

async fn finish_wait(mut conn: UnixStream) -> Result<i64> {
    let line = read_line(&mut conn)
        .await
        .map_err(|e| EngineError::io("read from exec shim", e))?;
    let reply: ShimReply =
        serde_json::from_slice(&line).map_err(|e| EngineError::Internal(e.to_string()))?;
    match (reply.ok, reply.exit) {
        (true, Some(exit)) => Ok(i64::from(exit.exit_code)),
        _ => Err(EngineError::Internal(
            reply.error.unwrap_or_else(|| "exec wait failed".into()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_overrides() {
        let base = json!({"args": ["sleep", "100"], "env": ["PATH=/bin", "HOME=/root", "A=1"],
            "cwd": "/", "terminal": false, "capabilities": {"bounding": ["CAP_CHOWN"]}});
        let cfg = ExecCreateBody {
            cmd: Some(vec!["sh".into(), "-c".into(), "exit 4".into()]),
            tty: true,
            env: Some(vec!["A=2".into()]),
            working_dir: "/tmp".into(),
            console_size: Some([30, 100]),
            ..Default::default()
        };
        let p = exec_process(&base, &cfg, &[]).unwrap();
        assert_eq!(p["args"], json!(["sh", "-c", "exit 4"]));
        assert_eq!(p["terminal"], json!(true));
        assert_eq!(p["cwd"], json!("/tmp"));
        assert_eq!(p["consoleSize"], json!({"height": 30, "width": 100}));
        assert_eq!(p["capabilities"]["bounding"], json!(["CAP_CHOWN"]));
        let env: Vec<String> = serde_json::from_value(p["env"].clone()).unwrap();
        assert!(env.contains(&"A=2".to_string()) && !env.contains(&"A=1".to_string()));
        assert!(env.contains(&"TERM=xterm".to_string()));
    }

    #[test]
    fn paused_and_stopped_are_conflicts() {
        let mut st = api::ContainerState::default();
        assert!(check_runnable("c", &st)
            .unwrap_err()
            .to_string()
            .contains("is not running"));
        st.running = true;
        st.paused = true;
        assert_eq!(
            check_runnable("c", &st).unwrap_err().to_string(),
            "Container c is paused, unpause the container before exec"
        );
    }
}
