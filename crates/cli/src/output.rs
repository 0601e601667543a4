//! Writing container output to our stdout/stderr: stdcopy demultiplexing, raw (TTY) copies and
//! JSON progress streams (pull, import).

use std::io::Write;

use api::stdcopy::{Demuxer, StdStream};
use api::ProgressMessage;
use client::ByteStream;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::CliError;

/// Writes one frame's payload to the matching stream. Write errors (a closed pipe) are ignored:
/// the container's output is still drained so the daemon is not blocked.
fn write_payload(stream: StdStream, payload: &[u8]) {
    match stream {
        StdStream::Stdout | StdStream::Stdin => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(payload);
            let _ = out.flush();
        }
        StdStream::Stderr | StdStream::SystemErr => {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(payload);
            let _ = err.flush();
        }
    }
}

/// Feeds bytes into a demuxer and writes every complete frame.
fn drain(demuxer: &mut Demuxer, data: &[u8]) -> Result<(), CliError> {
    demuxer.push(data);
    while let Some(frame) = demuxer
        .next_frame()
        .map_err(|e| CliError::message(e.to_string()))?
    {
        write_payload(frame.stream, &frame.payload);
    }
    Ok(())
}

/// Copies a multiplexed (non-TTY) hijacked stream until EOF.
pub async fn copy_demuxed<R: AsyncRead + Unpin>(reader: &mut R) -> Result<(), CliError> {
    let mut demuxer = Demuxer::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        drain(&mut demuxer, &buf[..n])?;
    }
}

/// Copies a raw (TTY) hijacked stream to stdout until EOF.
pub async fn copy_raw<R: AsyncRead + Unpin>(reader: &mut R) -> Result<(), CliError> {
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        write_payload(StdStream::Stdout, &buf[..n]);
    }
}

/// Copies a logs body: demultiplexed unless the container has a TTY.
pub async fn copy_log_stream(mut stream: ByteStream, tty: bool) -> Result<(), CliError> {
    let mut demuxer = Demuxer::new();
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        if tty {
            write_payload(StdStream::Stdout, &chunk);
        } else {
            drain(&mut demuxer, &chunk)?;
        }
    }
    Ok(())
}

/// Reads a JSON message stream (pull, import), printing what docker prints off a TTY.
/// An `errorDetail` in the stream becomes an error with the code it carries (default 1).
/// Returns the last `status` seen (import's image id).
pub async fn follow_progress(
    mut stream: ByteStream,
    mut print: impl FnMut(&ProgressMessage),
) -> Result<Option<String>, CliError> {
    let mut pending: Vec<u8> = Vec::new();
    let mut last_status = None;
    let mut handle = |line: &[u8], last_status: &mut Option<String>| -> Result<(), CliError> {
        let line = trim_ascii(line);
        if line.is_empty() {
            return Ok(());
        }
        let message: ProgressMessage = match serde_json::from_slice(line) {
            Ok(m) => m,
            Err(_) => return Ok(()),
        };
        if let Some(detail) = &message.error_detail {
            let text = if detail.message.is_empty() {
                message.error.clone().unwrap_or_default()
            } else {
                detail.message.clone()
            };
            return Err(CliError::Exit {
                code: detail
                    .code
                    .filter(|c| *c != 0)
                    .map(|c| c as i32)
                    .unwrap_or(1),
                message: text,
            });
        }
        if let Some(error) = &message.error {
            return Err(CliError::message(error.clone()));
        }
        if let Some(status) = &message.status {
            *last_status = Some(status.clone());
        }
        print(&message);
        Ok(())
    };
    while let Some(chunk) = stream.next_chunk().await {
        pending.extend_from_slice(&chunk?);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            handle(&line, &mut last_status)?;
        }
    }
    handle(&pending, &mut last_status)?;
    Ok(last_status)
}

/// Prints a progress message the way docker's `jsonmessage` does without a terminal: progress
/// bar updates ("Downloading [==>  ]") are skipped, everything else is one line.
pub fn print_progress_line(message: &ProgressMessage, to_stderr: bool) {
    if message.progress.as_ref().is_some_and(|p| !p.is_empty()) {
        return;
    }
    let text = if let Some(stream) = &message.stream {
        stream.clone()
    } else if let Some(status) = &message.status {
        let mut line = String::new();
        if let Some(id) = &message.id {
            line.push_str(id);
            line.push_str(": ");
        }
        line.push_str(status);
        line.push('\n');
        line
    } else {
        return;
    };
    if to_stderr {
        write_payload(StdStream::Stderr, text.as_bytes());
    } else {
        write_payload(StdStream::Stdout, text.as_bytes());
    }
}

fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Writes a binary body (export, save) to `path`, or to stdout when it is not a terminal. A file
/// is written beside its final name and renamed into place once complete, as docker does, so a
/// failed transfer never leaves a truncated archive under the requested name.
pub async fn write_stream_to(
    mut stream: ByteStream,
    path: Option<&std::path::Path>,
    command: &str,
) -> Result<(), CliError> {
    use std::os::fd::AsFd;
    use tokio::io::AsyncWriteExt;
    match path {
        None => {
            if crate::terminal::is_terminal(std::io::stdout().as_fd()) {
                return Err(CliError::message(
                    "cowardly refusing to save to a terminal. Use the -o flag or redirect",
                ));
            }
            let mut out = tokio::io::stdout();
            while let Some(chunk) = stream.next_chunk().await {
                out.write_all(&chunk?).await?;
            }
            out.flush().await?;
            Ok(())
        }
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            let temp = tempfile_in(&dir, command)?;
            let (file, temp_path) = temp;
            let mut file = tokio::fs::File::from_std(file);
            let result = async {
                while let Some(chunk) = stream.next_chunk().await {
                    file.write_all(&chunk?).await?;
                }
                file.sync_all().await?;
                Ok::<(), CliError>(())
            }
            .await;
            if let Err(e) = result {
                let _ = std::fs::remove_file(&temp_path);
                return Err(e);
            }
            std::fs::rename(&temp_path, path).map_err(|e| {
                let _ = std::fs::remove_file(&temp_path);
                CliError::message(format!("failed to save to {}: {e}", path.display()))
            })?;
            // The rename itself survives a crash only once the directory is synced.
            if let Ok(dir) = std::fs::File::open(&dir) {
                let _ = dir.sync_all();
            }
            Ok(())
        }
    }
}

/// A new file `.berth-<command>-<pid>-<n>` in `dir`.
fn tempfile_in(
    dir: &std::path::Path,
    command: &str,
) -> Result<(std::fs::File, std::path::PathBuf), CliError> {
    for n in 0..100u32 {
        let candidate = dir.join(format!(".berth-{command}-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((file, candidate)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CliError::message(format!(
                    "failed to save to {}: {e}",
                    dir.display()
                )))
            }
        }
    }
    Err(CliError::message("failed to create a temporary file"))
}
