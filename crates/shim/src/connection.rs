//! One socket connection: read the JSON request line, answer, maybe stream.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use serde_json::{json, Value};

use crate::protocol::{self, Request, Status};
use crate::shared::{lock, Shared};

/// Longest request line accepted; requests are tiny.
const MAX_REQUEST: u64 = 64 * 1024;

/// Serves one accepted connection; the accept loop has already counted it in
/// `connections` (counting here, on the new thread, would let the shim exit in between).
pub(crate) fn serve(shared: Arc<Shared>, stream: UnixStream) {
    if let Err(e) = handle(&shared, stream) {
        eprintln!("berth-shim: connection: {e}");
    }
    shared.update(|l| l.connections -= 1);
}

fn answer(stream: &mut UnixStream, value: &Value) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)
}

fn handle(shared: &Shared, stream: UnixStream) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    (&mut reader).take(MAX_REQUEST).read_line(&mut line)?;
    let request: Request = match serde_json::from_str(line.trim()) {
        Ok(r) => r,
        Err(e) => {
            return answer(
                &mut writer,
                &protocol::error(format!("invalid request: {e}")),
            )
        }
    };
    match request {
        Request::Start => answer(&mut writer, &start(shared)),
        Request::Kill { signal, all } => answer(&mut writer, &kill(shared, signal, all)),
        Request::State => answer(&mut writer, &state(shared)),
        Request::Resize { width, height } => answer(&mut writer, &resize(shared, width, height)),
        Request::Wait => {
            let exit = {
                let mut l = shared.lifecycle();
                while l.exit.is_none() {
                    l = shared.changed.wait(l).unwrap_or_else(|p| p.into_inner());
                }
                l.exit.clone()
            };
            answer(&mut writer, &json!({"ok": true, "exit": exit}))
        }
        Request::Attach {
            stdin,
            stdout,
            stderr,
        } => {
            shared
                .attach
                .add_answered(writer, stdout, stderr, |w| answer(w, &protocol::ok()))?;
            if stdin {
                forward_stdin(shared, reader);
            }
            Ok(())
        }
    }
}

fn start(shared: &Shared) -> Value {
    let mut container = lock(&shared.container);
    if shared.lifecycle().status == Status::Stopped {
        return protocol::error("container has already exited");
    }
    match container.start() {
        Ok(()) => {
            shared.update(|l| {
                if l.status == Status::Created {
                    l.status = Status::Running;
                }
            });
            protocol::ok()
        }
        Err(e) => {
            let message = e.to_string();
            if !matches!(e, runtime::StartError::AlreadyStarted) {
                shared.update(|l| l.start_error = Some(message.clone()));
            }
            protocol::error(message)
        }
    }
}

fn kill(shared: &Shared, signal: i32, all: bool) -> Value {
    let sig = match Signal::try_from(signal) {
        Ok(s) => s,
        Err(_) => return protocol::error(format!("invalid signal {signal}")),
    };
    if shared.lifecycle().status == Status::Stopped {
        return protocol::error("container is not running");
    }
    if all {
        if let Some(cg) = &shared.cgroup {
            let answer = match cg.kill_all(sig) {
                Ok(()) => protocol::ok(),
                Err(e) => protocol::error(e),
            };
            thaw_after_sigkill(shared, sig);
            return answer;
        }
    }
    let answer = match nix::sys::signal::kill(Pid::from_raw(shared.pid), sig) {
        Ok(()) | Err(nix::Error::ESRCH) => protocol::ok(),
        Err(e) => protocol::error(format!("kill: {e}")),
    };
    thaw_after_sigkill(shared, sig);
    answer
}

/// A frozen (paused) task receives SIGKILL only once thawed; thawing after the signal (as
/// runc does) lets a kill of a paused container finish without a separate unpause. A thaw of a
/// cgroup that is not frozen changes nothing.
fn thaw_after_sigkill(shared: &Shared, sig: Signal) {
    if sig != Signal::SIGKILL {
        return;
    }
    if let Some(cg) = &shared.cgroup {
        if let Err(e) = cg.thaw() {
            eprintln!("berth-shim: thawing after SIGKILL: {e}");
        }
    }
}

fn resize(shared: &Shared, width: u16, height: u16) -> Value {
    let Some(tty) = &shared.tty else {
        return protocol::error("the container has no terminal");
    };
    match sys::set_window_size(std::os::fd::AsFd::as_fd(tty), height, width) {
        Ok(()) => protocol::ok(),
        Err(e) => protocol::error(format!("resize: {e}")),
    }
}

fn state(shared: &Shared) -> Value {
    let l = shared.lifecycle();
    json!({"ok": true, "status": l.status, "pid": shared.pid, "exit": l.exit})
}

/// Client bytes go to the container's stdin; the client's EOF closes it with `--stdin-once`.
fn forward_stdin(shared: &Shared, mut reader: BufReader<UnixStream>) {
    if lock(&shared.stdin).is_none() {
        return;
    }
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let mut stdin = lock(&shared.stdin);
        let Some(pipe) = stdin.as_mut() else { return };
        if pipe.write_all(&buf[..n]).is_err() {
            // The container closed its stdin; nothing more can be delivered.
            return;
        }
    }
    if shared.opts.stdin_once {
        lock(&shared.stdin).take();
    }
}
