//! start, stop, restart, kill, remove, and the per-container monitor that records exits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use storage::ContainerFs;

use crate::cleanup::{remove_cgroup, remove_dir_all};
use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::handle::{ContainerHandle, Entry};
use crate::human::now_rfc3339;
use crate::paths::ContainerFiles;
use crate::shim_client::{self, ExitInfo};
use crate::shim_spawn::{spawn_shim, ShimArgs};
use crate::signal::{parse_signal, SIGKILL, SIGTERM};

/// How long `stop` waits by default before SIGKILL.
const DEFAULT_STOP_TIMEOUT: i64 = 10;
/// How long to wait for a SIGKILLed container to be recorded as exited.
const KILL_WAIT: Duration = Duration::from_secs(30);

/// dockerd's exit code for a container whose process could not be started.
pub fn start_failure_exit_code(message: &str) -> i64 {
    if message.contains("executable file not found")
        || message.contains("no such file or directory")
    {
        127
    } else if message.contains("permission denied") || message.contains("exec format error") {
        126
    } else {
        128
    }
}

/// Who starts a container: a user (`docker start`, restore) resets the restart policy's
/// count and the manual-stop mark; the policy's own restart keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartBy {
    User,
    /// The pending restart of this generation (`Entry::restart_generation`).
    Policy(u64),
}

impl Engine {
    pub(crate) async fn start_container_now(&self, name: &str) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        self.start_handle(&h, StartBy::User).await
    }

    pub(crate) async fn start_handle(&self, h: &Arc<ContainerHandle>, by: StartBy) -> Result<()> {
        let h = h.clone();
        let mut entry = h.entry.lock().await;
        if entry.removing {
            return Err(EngineError::Conflict(format!(
                "removal of container {} is already in progress",
                h.id
            )));
        }
        match by {
            StartBy::User => {
                if entry.record.state.running || entry.record.state.restarting {
                    return Err(EngineError::NotModified);
                }
                entry.restart_generation += 1;
                entry.restart = Default::default();
                entry.record.restart_count = 0;
                entry.record.has_been_manually_stopped = false;
            }
            StartBy::Policy(generation) => {
                // Canceled (stop, kill, rm, a user's start) while the backoff ran.
                if entry.restart_generation != generation
                    || !entry.record.state.restarting
                    || entry.record.state.running
                {
                    return Ok(());
                }
            }
        }
        let pid = match self.ensure_shim(&h, &mut entry).await {
            Ok(pid) => pid,
            Err(e) => {
                let msg = e.to_string();
                drop(entry);
                self.record_start_failure(&h, &msg).await;
                return Err(EngineError::StartFailed(msg));
            }
        };
        let socket = self.paths().shim_socket(&h.id);
        if let Err(e) = self.setup_network(&entry.record, pid).await {
            // The created init must not linger: the next start creates a new one.
            let _ = shim_client::kill(&socket, SIGKILL, true).await;
            let msg = e.to_string();
            drop(entry);
            self.record_start_failure(&h, &msg).await;
            return Err(e);
        }
        let started = shim_client::start(&socket).await;
        entry.shim_ready = false;
        entry.created_pid = None;
        match started {
            Ok(Ok(())) => {
                let st = &mut entry.record.state;
                st.status = "running".into();
                st.running = true;
                st.paused = false;
                st.restarting = false;
                st.oom_killed = false;
                st.dead = false;
                st.pid = pid;
                st.exit_code = 0;
                st.error.clear();
                st.started_at = now_rfc3339();
                self.init_health_monitor(&h, &mut entry);
                self.persist(&entry)?;
                h.set_running(0);
                self.emit_volume_mounts(&entry.record);
                self.emit("start", &entry.record);
                drop(entry);
                self.spawn_monitor(h);
                Ok(())
            }
            Ok(Err(msg)) => {
                drop(entry);
                self.teardown_network(&h.id).await;
                self.record_start_failure(&h, &msg).await;
                Err(EngineError::StartFailed(msg))
            }
            Err(e) => {
                let msg = e.to_string();
                drop(entry);
                self.teardown_network(&h.id).await;
                self.record_start_failure(&h, &msg).await;
                Err(e)
            }
        }
    }

    /// A shim holding a created init, spawning a new one for a stopped container. Returns the init pid.
    pub(crate) async fn ensure_shim(&self, h: &ContainerHandle, entry: &mut Entry) -> Result<i64> {
        let socket = self.paths().shim_socket(&h.id);
        if entry.shim_ready
            && !self
                .netns_join_current(&entry.record, entry.created_pid)
                .await
        {
            // `--network container:x`: the init created earlier is not in x's current netns.
            let _ = shim_client::kill(&socket, SIGKILL, true).await;
            let _ = tokio::time::timeout(KILL_WAIT, shim_client::wait(&socket)).await;
            entry.shim_ready = false;
            entry.created_pid = None;
        }
        if entry.shim_ready {
            if let Some(pid) = entry.created_pid {
                return Ok(pid);
            }
            if let Ok(reply) = shim_client::state(&socket).await {
                if reply.status.as_deref() == Some("created") {
                    return Ok(reply.pid.unwrap_or(0));
                }
            }
        }
        let dir = self.paths().container_dir(&h.id);
        Self::recreate_bind_sources(&entry.record)?;
        self.prepare_netns_join(&entry.record, &dir).await?;
        let _ = std::fs::remove_file(ContainerFiles(&dir).exit());
        let pid = spawn_shim(&ShimArgs {
            shim: &self.config().shim_path,
            id: &h.id,
            bundle: &dir,
            socket: &socket,
            stdin: entry.record.config.open_stdin,
            // dockerd closes a TTY container's stdin only with the container: an attach
            // client that ends (ctrl-p ctrl-q detach included) must not cut later attaches off.
            stdin_once: entry.record.config.stdin_once && !entry.record.config.tty,
            log_args: crate::log_config::shim_log_args(&entry.record.host_config)?,
        })
        .await?;
        entry.shim_ready = true;
        entry.created_pid = Some(pid);
        Ok(pid)
    }

    /// Records dockerd's 127/126/128 code and the message, then honours AutoRemove. As with
    /// dockerd (whose state string is "created" while `StartedAt` is zero), a container that never
    /// ran stays `created`, with no `FinishedAt`: clients filter on it (`status=created`).
    async fn record_start_failure(&self, h: &Arc<ContainerHandle>, message: &str) {
        let code = start_failure_exit_code(message);
        let auto_remove = {
            let mut entry = h.entry.lock().await;
            entry.shim_ready = false;
            entry.created_pid = None;
            let st = &mut entry.record.state;
            if crate::human::parse_time(&st.started_at).is_some() {
                st.status = "exited".into();
                st.finished_at = now_rfc3339();
            } else {
                st.status = "created".into();
            }
            st.running = false;
            st.restarting = false;
            st.pid = 0;
            st.exit_code = code;
            st.error = message.to_string();
            if let Err(e) = self.persist(&entry) {
                tracing::warn!("save {}: {e}", h.id);
            }
            self.emit_with("die", &entry.record, exit_attrs(code));
            entry.record.host_config.auto_remove
        };
        h.set_exited(code);
        if auto_remove {
            // AutoRemove takes the anonymous volumes along, as dockerd's `--rm`.
            if let Err(e) = self.remove_handle_and_volumes(h, true, true).await {
                tracing::warn!("auto-remove {}: {e}", h.id);
            }
        }
    }

    /// Writes the record (atomically, under the caller's lock, so writes land in order) and
    /// makes it durable in the background: fsync is ~10 ms and restore reconciles a record that
    /// lags behind the shim.
    pub(crate) fn persist(&self, entry: &Entry) -> Result<()> {
        let dir = self.paths().container_dir(&entry.record.id);
        let path = ContainerFiles(&dir).record();
        entry.record.save_renamed(&path)?;
        tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::atomic::sync_durably(&[&path]) {
                tracing::debug!("sync {}: {e}", path.display());
            }
        });
        Ok(())
    }

    /// Watches the shim until init exits, then records it.
    pub(crate) fn spawn_monitor(&self, h: Arc<ContainerHandle>) {
        let engine = self.clone();
        tokio::spawn(async move {
            let socket = engine.paths().shim_socket(&h.id);
            let exit = match shim_client::wait(&socket).await {
                Ok(exit) => exit,
                Err(e) => {
                    let dir = engine.paths().container_dir(&h.id);
                    shim_client::read_exit_file(&ContainerFiles(&dir).exit()).unwrap_or_else(|| {
                        ExitInfo {
                            exit_code: 255,
                            error: Some(format!("lost contact with the container's shim: {e}")),
                            ..Default::default()
                        }
                    })
                }
            };
            engine.record_exit(&h, exit).await;
        });
    }

    /// Records an exit (state, waiters, `die` event) and honours AutoRemove.
    pub(crate) async fn record_exit(&self, h: &Arc<ContainerHandle>, exit: ExitInfo) {
        let code = i64::from(exit.exit_code);
        self.teardown_network(&h.id).await;
        let (auto_remove, restart) = {
            let mut entry = h.entry.lock().await;
            Self::close_health_monitor(&mut entry);
            let st = &mut entry.record.state;
            st.status = "exited".into();
            st.running = false;
            st.restarting = false;
            st.paused = false;
            st.pid = 0;
            st.exit_code = code;
            st.oom_killed = exit.oom_killed;
            st.error = exit.error.clone().unwrap_or_default();
            st.finished_at = if exit.finished_at.is_empty() {
                now_rfc3339()
            } else {
                exit.finished_at.clone()
            };
            let auto_remove = entry.record.host_config.auto_remove && !entry.removing;
            let restart = if entry.removing || auto_remove {
                None
            } else {
                let ran_for = match (
                    crate::human::parse_time(&entry.record.state.started_at),
                    crate::human::parse_time(&entry.record.state.finished_at),
                ) {
                    (Some(a), Some(b)) => (b - a).to_std().unwrap_or_default(),
                    _ => Duration::ZERO,
                };
                let policy = entry.record.host_config.restart_policy.clone();
                let manually_stopped = entry.record.has_been_manually_stopped;
                entry
                    .restart
                    .should_restart(&policy, code, manually_stopped, ran_for)
            };
            if restart.is_some() {
                // dockerd's SetRestarting: shown as `Restarting (code) … ago` until the start.
                entry.record.restart_count += 1;
                entry.restart_generation += 1;
                entry.record.state.restarting = true;
                entry.record.state.status = "restarting".into();
            }
            let restart = restart.map(|delay| (delay, entry.restart_generation));
            // An auto-removed container's record is deleted next; if the daemon dies first,
            // restore reads the exit from the shim's exit.json.
            if !auto_remove {
                if let Err(e) = self.persist(&entry) {
                    tracing::warn!("save {}: {e}", h.id);
                }
            }
            if exit.oom_killed {
                self.emit("oom", &entry.record);
            }
            self.emit_with("die", &entry.record, exit_attrs(code));
            self.emit_volume_unmounts(&entry.record);
            (auto_remove, restart)
        };
        h.set_exited(code);
        if let Some((delay, generation)) = restart {
            let engine = self.clone();
            let h = h.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if let Err(e) = engine.start_handle(&h, StartBy::Policy(generation)).await {
                    tracing::debug!("restart policy start of {}: {e}", h.id);
                }
            });
        }
        if auto_remove {
            // AutoRemove takes the anonymous volumes along, as dockerd's `--rm`.
            if let Err(e) = self.remove_handle_and_volumes(h, true, true).await {
                tracing::warn!("auto-remove {}: {e}", h.id);
            }
        }
    }

    pub(crate) async fn stop_container_now(&self, name: &str, timeout: Option<i64>) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        let (signal, default_timeout) = {
            let mut entry = h.entry.lock().await;
            if entry.record.state.restarting {
                self.cancel_pending_restart(&mut entry);
                drop(entry);
                self.emit_for(&h, "stop", BTreeMap::new()).await;
                return Ok(());
            }
            if !entry.record.state.running {
                return Err(EngineError::NotModified);
            }
            // The exit this stop causes is final, whatever the policy.
            entry.record.has_been_manually_stopped = true;
            entry.restart.cancel();
            self.persist(&entry)?;
            let sig = match entry.record.config.stop_signal.as_str() {
                "" => SIGTERM,
                s => parse_signal(s).unwrap_or(SIGTERM),
            };
            (
                sig,
                entry
                    .record
                    .config
                    .stop_timeout
                    .unwrap_or(DEFAULT_STOP_TIMEOUT),
            )
        };
        self.stop_handle(&h, signal, timeout.unwrap_or(default_timeout))
            .await?;
        self.emit_for(&h, "stop", BTreeMap::new()).await;
        Ok(())
    }

    /// Sends `signal`, waits `timeout` seconds (negative = forever), then SIGKILLs.
    pub(crate) async fn stop_handle(
        &self,
        h: &Arc<ContainerHandle>,
        signal: i32,
        timeout: i64,
    ) -> Result<()> {
        let socket = self.paths().shim_socket(&h.id);
        let mut rx = h.status.subscribe();
        if signal != SIGKILL {
            // The event goes out before the signal so `kill` always precedes the `die` it causes.
            self.emit_kill(h, signal).await;
            if let Err(e) = shim_client::kill(&socket, signal, false).await {
                tracing::debug!("stop signal to {}: {e}", h.id);
            }
            self.thaw_if_paused(&h.id).await;
            let exited = rx.wait_for(|s| !s.running);
            if timeout < 0 {
                let _ = exited.await;
                return Ok(());
            }
            if tokio::time::timeout(Duration::from_secs(timeout as u64), exited)
                .await
                .is_ok()
            {
                return Ok(());
            }
        }
        self.kill_and_wait(h).await
    }

    /// SIGKILLs every process of the container and waits for the exit to be recorded.
    async fn kill_and_wait(&self, h: &Arc<ContainerHandle>) -> Result<()> {
        let socket = self.paths().shim_socket(&h.id);
        let mut rx = h.status.subscribe();
        // The event goes out before the signal so `kill` always precedes the `die` it causes.
        self.emit_kill(h, SIGKILL).await;
        if let Err(e) = shim_client::kill(&socket, SIGKILL, true).await {
            tracing::debug!("SIGKILL to {}: {e}", h.id);
        }
        self.thaw_if_paused(&h.id).await;
        let exited = tokio::time::timeout(KILL_WAIT, rx.wait_for(|s| !s.running))
            .await
            .is_ok();
        if exited {
            Ok(())
        } else {
            Err(EngineError::Internal(format!(
                "container {} did not exit after SIGKILL",
                h.id
            )))
        }
    }

    pub(crate) async fn restart_container_now(
        &self,
        name: &str,
        timeout: Option<i64>,
    ) -> Result<()> {
        match self.stop_container_now(name, timeout).await {
            Ok(()) | Err(EngineError::NotModified) => {}
            Err(e) => return Err(e),
        }
        match self.start_container_now(name).await {
            Ok(()) | Err(EngineError::NotModified) => {
                if let Ok(h) = self.inner.registry.resolve(name) {
                    self.emit_for(&h, "restart", BTreeMap::new()).await;
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn kill_container_now(
        &self,
        name: &str,
        signal: Option<String>,
    ) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        let sig = match signal.as_deref() {
            None | Some("") => SIGKILL,
            Some(s) => parse_signal(s)?,
        };
        {
            let mut entry = h.entry.lock().await;
            if entry.record.state.restarting {
                self.cancel_pending_restart(&mut entry);
                return Ok(());
            }
            if !entry.record.state.running {
                return Err(EngineError::Conflict(format!(
                    "Cannot kill container: {name}: Container {} is not running",
                    h.id
                )));
            }
            // dockerd: any kill marks the container manually stopped; the stop signal or
            // SIGKILL also makes the coming exit final.
            entry.record.has_been_manually_stopped = true;
            let stop_signal = match entry.record.config.stop_signal.as_str() {
                "" => SIGTERM,
                s => parse_signal(s).unwrap_or(SIGTERM),
            };
            if sig == SIGKILL || sig == stop_signal {
                entry.restart.cancel();
            }
            self.persist(&entry)?;
        }
        if sig == SIGKILL {
            return self.kill_and_wait(&h).await;
        }
        let socket = self.paths().shim_socket(&h.id);
        self.emit_kill(&h, sig).await;
        shim_client::kill(&socket, sig, false).await?;
        self.thaw_if_paused(&h.id).await;
        Ok(())
    }

    pub(crate) async fn rename_container_now(&self, name: &str, new_name: &str) -> Result<()> {
        let bare = crate::names::validate_name(new_name)?;
        let h = self.inner.registry.resolve(name)?;
        let mut entry = h.entry.lock().await;
        let old = entry.record.bare_name().to_string();
        if old == bare {
            return Err(EngineError::Conflict(
                "Renaming a container with the same name as its current name".to_string(),
            ));
        }
        self.inner.registry.rename(&old, &bare, &h.id)?;
        entry.record.name = format!("/{bare}");
        if let Err(e) = self.persist(&entry) {
            self.inner.registry.rename(&bare, &old, &h.id).ok();
            entry.record.name = format!("/{old}");
            return Err(e);
        }
        self.emit_with(
            "rename",
            &entry.record,
            BTreeMap::from([("oldName".to_string(), format!("/{old}"))]),
        );
        Ok(())
    }

    pub(crate) async fn remove_container_now(
        &self,
        name: &str,
        force: bool,
        volumes: bool,
    ) -> Result<()> {
        let h = self.inner.registry.resolve(name)?;
        self.remove_handle_and_volumes(&h, force, volumes).await
    }

    /// Removes a container: kills it when forced, deletes its directory, socket and cgroup.
    pub(crate) async fn remove_handle(&self, h: &Arc<ContainerHandle>, force: bool) -> Result<()> {
        self.remove_handle_and_volumes(h, force, false).await
    }

    /// [`remove_handle`](Self::remove_handle), then with `volumes` (`rm -v`) its anonymous
    /// volumes that no other container uses.
    pub(crate) async fn remove_handle_and_volumes(
        &self,
        h: &Arc<ContainerHandle>,
        force: bool,
        volumes: bool,
    ) -> Result<()> {
        let (running, shim_ready) = {
            let mut entry = h.entry.lock().await;
            if entry.removing {
                return Err(EngineError::Conflict(format!(
                    "removal of container {} is already in progress",
                    h.id
                )));
            }
            if entry.record.state.restarting {
                if !force {
                    return Err(EngineError::Conflict(format!(
                        "You cannot remove a restarting container {}. Stop the container before attempting removal or force remove",
                        h.id
                    )));
                }
                entry.restart_generation += 1;
                entry.record.state.restarting = false;
            }
            if entry.record.state.running && !force {
                return Err(EngineError::Conflict(format!(
                    "You cannot remove a running container {}. Stop the container before attempting removal or force remove",
                    h.id
                )));
            }
            entry.removing = true;
            (entry.record.state.running, entry.shim_ready)
        };
        if running {
            if let Err(e) = self.kill_and_wait(h).await {
                h.entry.lock().await.removing = false;
                return Err(e);
            }
        } else if shim_ready {
            // A created init waits in its shim: kill it so the shim exits, and wait for the exit
            // it records in the container directory so the removal below does not race with it.
            let socket = self.paths().shim_socket(&h.id);
            let _ = shim_client::kill(&socket, SIGKILL, true).await;
            let _ = tokio::time::timeout(KILL_WAIT, shim_client::wait(&socket)).await;
        }
        let record = h.entry.lock().await.record.clone();
        let dir = self.paths().container_dir(&h.id);
        let socket = self.paths().shim_socket(&h.id);
        let cgroups_path = record.cgroups_path.clone();
        let removed = tokio::task::spawn_blocking(move || {
            let _ = ContainerFs::remove(&dir);
            let _ = std::fs::remove_file(&socket);
            remove_cgroup(&cgroups_path);
            remove_dir_all(&dir)
        })
        .await
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        if let Err(e) = removed {
            h.entry.lock().await.removing = false;
            return Err(EngineError::io(format!("remove container {}", h.id), e));
        }
        self.leave_networks(&h.id).await;
        self.inner.registry.remove(&h.id);
        self.inner.execs.forget_container(&h.id);
        self.release_container_volumes(&record, volumes).await;
        h.set_removed();
        self.emit("destroy", &record);
        Ok(())
    }
}

impl Engine {
    /// `stop`/`kill` of a container waiting for its policy restart: it stays exited.
    fn cancel_pending_restart(&self, entry: &mut Entry) {
        entry.restart_generation += 1;
        entry.record.has_been_manually_stopped = true;
        let st = &mut entry.record.state;
        st.restarting = false;
        st.status = "exited".into();
        if let Err(e) = self.persist(entry) {
            tracing::warn!("save {}: {e}", entry.record.id);
        }
    }
}

fn exit_attrs(code: i64) -> BTreeMap<String, String> {
    BTreeMap::from([("exitCode".to_string(), code.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_failure_codes() {
        assert_eq!(
            start_failure_exit_code("exec: \"nope\": executable file not found in $PATH"),
            127
        );
        assert_eq!(
            start_failure_exit_code("exec: \"/x\": stat /x: no such file or directory"),
            127
        );
        assert_eq!(
            start_failure_exit_code("exec: \"/etc/passwd\": permission denied"),
            126
        );
        assert_eq!(start_failure_exit_code("something else"), 128);
    }
}
