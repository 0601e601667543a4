//! JSON progress streams (pull, push, load) in dockerd's `jsonmessage` shape: the messages, the
//! progress bar text the CLI prints as is, and a per-layer throttle so a fast transfer does not
//! flood the client.

use std::pin::Pin;
use std::time::{Duration, Instant};

use api::ProgressMessage;
use futures_util::Stream;
use tokio::sync::mpsc;

/// The messages of one operation, in order. Dropping the receiver (client gone) is fine: sends
/// are ignored and the operation runs to its end.
pub type ProgressStream = Pin<Box<dyn Stream<Item = ProgressMessage> + Send>>;

/// The sending side of a progress stream; cheap to clone, usable from blocking threads.
#[derive(Clone)]
pub struct Progress {
    tx: mpsc::UnboundedSender<ProgressMessage>,
}

impl Progress {
    /// A sender and the stream the API answers with.
    pub fn channel() -> (Progress, ProgressStream) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        (Progress { tx }, Box::pin(stream))
    }

    pub fn send(&self, message: ProgressMessage) {
        let _ = self.tx.send(message);
    }

    /// `{"status": …}`.
    pub fn status(&self, status: impl Into<String>) {
        self.send(ProgressMessage::status(status));
    }

    /// `{"status": …, "id": …}` without progress details (`Pulling from x`).
    pub fn status_id(&self, status: impl Into<String>, id: &str) {
        self.send(ProgressMessage {
            status: Some(status.into()),
            id: Some(id.to_string()),
            ..Default::default()
        });
    }

    /// `{"status": …, "progressDetail": {}, "id": …}`: a layer's state change.
    pub fn layer(&self, id: &str, status: impl Into<String>) {
        self.send(ProgressMessage {
            status: Some(status.into()),
            progress_detail: Some(serde_json::json!({})),
            id: Some(id.to_string()),
            ..Default::default()
        });
    }

    /// `Downloading` / `Extracting` / `Pushing` with `current`/`total` and the bar text.
    pub fn layer_bytes(&self, id: &str, status: &str, current: u64, total: u64) {
        self.send(ProgressMessage {
            status: Some(status.to_string()),
            progress_detail: Some(serde_json::json!({"current": current, "total": total})),
            progress: Some(bar_text(current, total)),
            id: Some(id.to_string()),
            ..Default::default()
        });
    }

    /// The in-stream error that ends an operation (`errorDetail` + `error`).
    pub fn error(&self, message: impl Into<String>) {
        self.send(ProgressMessage::error(message));
    }
}

/// Limits byte-progress messages of one layer to one per interval (plus the final one).
pub struct Throttle {
    last: Option<Instant>,
    every: Duration,
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle {
            last: None,
            every: Duration::from_millis(100),
        }
    }

    /// Whether a message may go out now (`force` for the last one).
    pub fn ready(&mut self, force: bool) -> bool {
        let now = Instant::now();
        if force
            || self
                .last
                .is_none_or(|t| now.duration_since(t) >= self.every)
        {
            self.last = Some(now);
            return true;
        }
        false
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

/// The 12-hex id the CLI shows for a layer (`sha256:3c9e43fd4ed8…` → `3c9e43fd4ed8`).
pub fn short_digest(digest: &str) -> String {
    let hex = digest.split_once(':').map(|(_, h)| h).unwrap_or(digest);
    hex.chars().take(12).collect()
}

/// dockerd's `JSONProgress.String()` at the daemon's width: a 50-column bar, then
/// `current/total` (only `current` once it passed `total`).
pub fn bar_text(current: u64, total: u64) -> String {
    if total == 0 {
        return format!("{:>8}", human_size(current));
    }
    let percent = ((current as f64 / total as f64 * 100.0) as u64 / 2).min(50) as usize;
    let bar = format!("[{}>{}] ", "=".repeat(percent), " ".repeat(50 - percent));
    if current > total {
        format!("{bar}{:>8}", human_size(current))
    } else {
        format!("{bar}{:>8}/{}", human_size(current), human_size(total))
    }
}

/// go-units `HumanSize`: decimal units, 4 significant digits (`19.97kB`, `1.984MB`, `512B`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", format_g4(size), UNITS[unit])
}

/// C's `%.4g` for 0 ≤ v < 1000: four significant digits, trailing zeros dropped.
fn format_g4(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let int_digits = (v.abs().log10().floor() as i32 + 1).max(1);
    let decimals = (4 - int_digits).max(0) as usize;
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_go_units() {
        assert_eq!(human_size(19968), "19.97kB");
        assert_eq!(human_size(1984241), "1.984MB");
        assert_eq!(human_size(2129920), "2.13MB");
        assert_eq!(human_size(512), "512B");
        assert_eq!(human_size(155), "155B");
        assert_eq!(human_size(0), "0B");
    }

    #[test]
    fn bars_match_dockerd() {
        assert_eq!(
            bar_text(19968, 1984241),
            format!("[>{}]  19.97kB/1.984MB", " ".repeat(50))
        );
        assert_eq!(
            bar_text(2129920, 1984241),
            format!("[{}>]   2.13MB", "=".repeat(50))
        );
        assert_eq!(
            bar_text(155, 155),
            format!("[{}>]     155B/155B", "=".repeat(50))
        );
    }

    #[test]
    fn short_digests() {
        assert_eq!(short_digest("sha256:3c9e43fd4ed8aaaa"), "3c9e43fd4ed8");
    }
}
