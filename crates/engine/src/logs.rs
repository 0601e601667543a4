//! `GET /containers/{id}/logs`: reads the json-file log the shim writes, as stdcopy frames.

use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use api::stdcopy::{encode, StdStream};
use bytes::Bytes;
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::log_files::LogFollower;
use crate::options::LogsOptions;
use crate::paths::ContainerFiles;

/// A stream of stdcopy-framed log bytes.
pub type LogStream = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send>>;

/// How often a follower looks for new lines while the container runs.
const FOLLOW_POLL: Duration = Duration::from_millis(50);

/// One json-file line: `{"log":"tick\n","stream":"stdout","time":"..."}`.
#[derive(Debug, Deserialize)]
pub struct LogEntry {
    #[serde(default)]
    pub log: String,
    #[serde(default)]
    pub stream: String,
    #[serde(default)]
    pub time: String,
}

impl LogEntry {
    fn unix_time(&self) -> Option<f64> {
        let t = chrono::DateTime::parse_from_rfc3339(&self.time).ok()?;
        Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9)
    }
}

/// Whether `entry` passes the stream and time filters (`until` exceeded = `None`: stop reading).
fn selected(entry: &LogEntry, opts: &LogsOptions) -> Option<bool> {
    let t = entry.unix_time();
    if let (Some(until), Some(t)) = (opts.until, t) {
        if t > until {
            return None;
        }
    }
    let stream_ok = match entry.stream.as_str() {
        "stderr" => opts.stderr,
        _ => opts.stdout,
    };
    let since_ok = match (opts.since, t) {
        (Some(since), Some(t)) => t >= since,
        _ => true,
    };
    Some(stream_ok && since_ok)
}

/// One entry as a stdcopy frame, with an RFC 3339 (nanosecond) timestamp prefix when asked.
pub fn frame(entry: &LogEntry, timestamps: bool) -> Vec<u8> {
    let stream = if entry.stream == "stderr" {
        StdStream::Stderr
    } else {
        StdStream::Stdout
    };
    if timestamps {
        let ts = chrono::DateTime::parse_from_rfc3339(&entry.time)
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            })
            .unwrap_or_else(|_| entry.time.clone());
        encode(stream, format!("{ts} {}", entry.log).as_bytes())
    } else {
        encode(stream, entry.log.as_bytes())
    }
}

/// The payload of one stdcopy frame (its 8-byte header dropped).
fn unframe(mut frame: Vec<u8>) -> Vec<u8> {
    frame.split_off(8.min(frame.len()))
}

/// Parses complete lines of `buf`; returns the entries and how many bytes were consumed.
pub fn parse_lines(buf: &[u8]) -> (Vec<LogEntry>, usize) {
    let mut entries = Vec::new();
    let mut consumed = 0;
    while let Some(pos) = buf[consumed..].iter().position(|b| *b == b'\n') {
        let line = &buf[consumed..consumed + pos];
        consumed += pos + 1;
        if let Ok(e) = serde_json::from_slice::<LogEntry>(line) {
            entries.push(e);
        }
    }
    (entries, consumed)
}

/// The frames of the existing log (rotated files included) and a follower positioned after the
/// last complete line.
fn read_existing(
    path: &Path,
    opts: &LogsOptions,
) -> std::io::Result<(Vec<Vec<u8>>, LogFollower, bool)> {
    let (entries, follower) = LogFollower::open_all(path)?;
    let mut picked = Vec::new();
    let mut past_until = false;
    for e in &entries {
        match selected(e, opts) {
            None => {
                past_until = true;
                break;
            }
            Some(true) => picked.push(e),
            Some(false) => {}
        }
    }
    if let Some(n) = opts.tail {
        let skip = picked.len().saturating_sub(n);
        picked.drain(..skip);
    }
    Ok((
        picked
            .into_iter()
            .map(|e| frame(e, opts.timestamps))
            .collect(),
        follower,
        past_until,
    ))
}

impl Engine {
    pub async fn container_logs(&self, name: &str, opts: LogsOptions) -> Result<LogStream> {
        let h = self.inner.registry.resolve(name)?;
        let tty = {
            let entry = h.entry.lock().await;
            if !crate::log_config::readable(&entry.record.host_config) {
                return Err(EngineError::NotImplemented(
                    "configured logging driver does not support reading".into(),
                ));
            }
            entry.record.config.tty
        };
        // A TTY container's logs are its raw bytes, without stdcopy headers, as dockerd sends
        // them (clients such as docker-py and the docker CLI demultiplex only without a TTY).
        let shape = move |frame: Vec<u8>| if tty { unframe(frame) } else { frame };
        let dir = self.paths().container_dir(&h.id);
        let path = ContainerFiles(&dir).log(&h.id);
        let mut rx = h.status.subscribe();
        let (first, follower, past_until) = {
            let path = path.clone();
            let opts = opts.clone();
            tokio::task::spawn_blocking(move || read_existing(&path, &opts))
                .await
                .map_err(|e| EngineError::Internal(e.to_string()))?
                .map_err(|e| EngineError::io("read container log", e))?
        };
        let (tx, out) = mpsc::channel::<Bytes>(64);
        let follow = opts.follow && !past_until && rx.borrow().running;
        tokio::spawn(async move {
            for f in first {
                if tx.send(Bytes::from(shape(f))).await.is_err() {
                    return;
                }
            }
            if !follow {
                return;
            }
            let mut follower = follower;
            loop {
                let running = rx.borrow().running;
                let (f, read) = match tokio::task::spawn_blocking(move || {
                    let r = follower.read_new();
                    (follower, r)
                })
                .await
                {
                    Ok(v) => v,
                    Err(_) => return,
                };
                follower = f;
                let Ok(entries) = read else { return };
                for e in &entries {
                    match selected(e, &opts) {
                        None => return,
                        Some(true) => {
                            if tx
                                .send(Bytes::from(shape(frame(e, opts.timestamps))))
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        Some(false) => {}
                    }
                }
                // The shim answers `wait` only after draining output, so one read after the
                // exit is recorded sees every line.
                if !running {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(FOLLOW_POLL) => {}
                    _ = rx.changed() => {}
                    _ = tx.closed() => return,
                }
            }
        });
        let stream = futures_util::stream::unfold(out, |mut out| async move {
            out.recv().await.map(|b| (Ok(b), out))
        });
        Ok(Box::pin(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> LogsOptions {
        LogsOptions {
            stdout: true,
            stderr: true,
            ..Default::default()
        }
    }

    const LOG: &str = concat!(
        r#"{"log":"line1\n","stream":"stdout","time":"2026-11-22T09:43:00.593587749Z"}"#,
        "\n",
        r#"{"log":"err1\n","stream":"stderr","time":"2026-11-22T09:43:00.6Z"}"#,
        "\n",
        r#"{"log":"late\n","stream":"stdout","time":"2026-11-22T09:43:02.5Z"}"#,
        "\n",
        r#"{"log":"partial"#
    );

    #[test]
    fn reads_frames_with_tail_streams_and_timestamps() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x-json.log");
        std::fs::write(&p, LOG).unwrap();
        let (frames, _, _) = read_existing(&p, &opts()).unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0], b"\x01\x00\x00\x00\x00\x00\x00\x06line1\n");
        assert_eq!(frames[1], b"\x02\x00\x00\x00\x00\x00\x00\x05err1\n");

        let only_out = LogsOptions {
            stderr: false,
            tail: Some(1),
            ..opts()
        };
        let (frames, _, _) = read_existing(&p, &only_out).unwrap();
        assert_eq!(frames, vec![encode(StdStream::Stdout, b"late\n")]);

        let ts = LogsOptions {
            timestamps: true,
            tail: Some(1),
            ..opts()
        };
        let (frames, _, _) = read_existing(&p, &ts).unwrap();
        assert_eq!(&frames[0][8..], b"2026-11-22T09:43:02.500000000Z late\n");
    }

    #[test]
    fn since_and_until_filter() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x-json.log");
        std::fs::write(&p, LOG).unwrap();
        let base = chrono::DateTime::parse_from_rfc3339("2026-11-22T09:43:00.6Z")
            .unwrap()
            .timestamp() as f64
            + 0.6;
        let since = LogsOptions {
            since: Some(base),
            ..opts()
        };
        assert_eq!(read_existing(&p, &since).unwrap().0.len(), 2);
        let until = LogsOptions {
            until: Some(base),
            ..opts()
        };
        let (frames, _, past) = read_existing(&p, &until).unwrap();
        assert_eq!(frames.len(), 2);
        assert!(past);
    }

    #[test]
    fn unframe_keeps_the_payload() {
        let entry = LogEntry {
            log: "tty\r\n".into(),
            stream: "stdout".into(),
            time: "2026-11-22T10:00:00.123456789Z".into(),
        };
        assert_eq!(unframe(frame(&entry, false)), b"tty\r\n");
        assert_eq!(
            unframe(frame(&entry, true)),
            b"2026-11-22T10:00:00.123456789Z tty\r\n"
        );
    }

    #[test]
    fn missing_log_is_empty() {
        let d = tempfile::tempdir().unwrap();
        let (frames, _, _) = read_existing(&d.path().join("none"), &opts()).unwrap();
        assert!(frames.is_empty());
    }
}
