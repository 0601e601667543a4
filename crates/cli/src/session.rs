//! The attached part of `run` and `start -a`: our stdin to the container, its output to us,
//! signals forwarded, and the TTY size kept in sync.

use client::{Client, HijackedStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::output::{copy_demuxed, copy_raw};
use crate::terminal::{window_size, DetachKeys, RawModeGuard};
use crate::CliError;

/// One attach stream in use: the container's output on its way to us, our stdin forwarded (or
/// the write side half-closed at once when there is none, as docker does), and the helper
/// tasks (signal proxy, resize tracker) that live as long as the copy.
pub struct AttachedSession {
    reader: ReadHalf<HijackedStream>,
    tty: bool,
    stdin_task: Option<JoinHandle<()>>,
    detached: oneshot::Receiver<()>,
    helpers: Vec<JoinHandle<()>>,
    // Raw mode only while attached: restored when the session ends, on every return path.
    _raw: Option<RawModeGuard>,
}

impl AttachedSession {
    pub async fn begin(
        stream: HijackedStream,
        tty: bool,
        stdin: bool,
        keys: DetachKeys,
        raw: Option<RawModeGuard>,
    ) -> AttachedSession {
        let (reader, mut writer) = tokio::io::split(stream);
        let (detach_tx, detached) = oneshot::channel();
        let stdin_task = if stdin {
            Some(spawn_stdin_forwarder(writer, tty, keys, detach_tx))
        } else {
            let _ = writer.shutdown().await;
            None
        };
        AttachedSession {
            reader,
            tty,
            stdin_task,
            detached,
            helpers: Vec::new(),
            _raw: raw,
        }
    }

    /// A task stopped when the session ends.
    pub fn keep_while_attached(&mut self, task: JoinHandle<()>) {
        self.helpers.push(task);
    }

    /// Copies output until the daemon closes the stream (`false`) or the user detaches with the
    /// detach keys (`true`).
    pub async fn copy_until_closed_or_detached(mut self) -> Result<bool, CliError> {
        let detached = tokio::select! {
            copied = copy_output(&mut self.reader, self.tty) => { copied?; false }
            Ok(()) = &mut self.detached => true,
        };
        Ok(detached)
    }
}

impl Drop for AttachedSession {
    fn drop(&mut self) {
        for task in self.helpers.iter().chain(&self.stdin_task) {
            task.abort();
        }
    }
}

/// Copies our stdin to the container until EOF, then half-closes (the daemon closes the
/// container's stdin). With a TTY, ctrl-p ctrl-q detaches: `detached` fires and nothing more
/// is sent.
fn spawn_stdin_forwarder(
    mut writer: WriteHalf<HijackedStream>,
    tty: bool,
    mut keys: DetachKeys,
    detached: oneshot::Sender<()>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match stdin.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let (data, detach) = if tty {
                keys.scan(&buf[..n])
            } else {
                (buf[..n].to_vec(), false)
            };
            if !data.is_empty() && writer.write_all(&data).await.is_err() {
                break;
            }
            if detach {
                let _ = detached.send(());
                return;
            }
        }
        let _ = writer.shutdown().await;
    })
}

/// Copies the container's output until the daemon closes the stream: raw with a TTY,
/// demultiplexed otherwise.
async fn copy_output(reader: &mut ReadHalf<HijackedStream>, tty: bool) -> Result<(), CliError> {
    if tty {
        copy_raw(reader).await
    } else {
        copy_demuxed(reader).await
    }
}

/// Forwards the signals a user sends to `berth` to the container, as docker's `--sig-proxy`
/// does for non-TTY runs. The handlers are installed before this returns, so a signal that
/// arrives right after is already forwarded rather than killing us.
pub fn spawn_signal_proxy(client: Client, id: String) -> JoinHandle<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        (SignalKind::interrupt(), "INT"),
        (SignalKind::terminate(), "TERM"),
        (SignalKind::hangup(), "HUP"),
        (SignalKind::quit(), "QUIT"),
        (SignalKind::user_defined1(), "USR1"),
        (SignalKind::user_defined2(), "USR2"),
    ];
    let mut streams = Vec::new();
    for (kind, name) in kinds {
        if let Ok(stream) = signal(kind) {
            streams.push((stream, name));
        }
    }
    tokio::spawn(async move {
        if streams.is_empty() {
            return;
        }
        loop {
            let waits = streams
                .iter_mut()
                .map(|(stream, name)| Box::pin(async move { stream.recv().await.map(|_| *name) }));
            let (received, _, _) = futures_util::future::select_all(waits).await;
            match received {
                Some(name) => {
                    let _ = client.kill_container(&id, Some(name)).await;
                }
                None => return,
            }
        }
    })
}

/// What a TTY size is sent to.
#[derive(Debug, Clone)]
pub enum ResizeTarget {
    /// `POST /containers/{id}/resize`; on SIGWINCH docker also forwards the signal itself
    /// (`kill?signal=WINCH`), so we do too.
    Container(String),
    /// `POST /exec/{id}/resize`.
    Exec(String),
}

async fn send_size(client: &Client, target: &ResizeTarget, initial: bool) {
    let Some((rows, cols)) = window_size() else {
        return;
    };
    match target {
        ResizeTarget::Container(id) => {
            if !initial {
                let _ = client.kill_container(id, Some("WINCH")).await;
            }
            let _ = client.resize_container(id, rows, cols).await;
        }
        ResizeTarget::Exec(id) => {
            let _ = client.resize_exec(id, rows, cols).await;
        }
    }
}

/// Sends our terminal size now and on every SIGWINCH.
pub fn spawn_resize_tracker(client: Client, target: ResizeTarget) -> JoinHandle<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let winch = signal(SignalKind::window_change());
    tokio::spawn(async move {
        send_size(&client, &target, true).await;
        let Ok(mut winch) = winch else {
            return;
        };
        while winch.recv().await.is_some() {
            send_size(&client, &target, false).await;
        }
    })
}
