//! Our own terminal for `run -t`: raw mode while attached, window size, detach keys.

use std::os::fd::{AsFd, BorrowedFd};

use rustix::termios::{self, OptionalActions, Termios};

/// Whether `fd` is a terminal.
pub fn is_terminal(fd: BorrowedFd<'_>) -> bool {
    termios::isatty(fd)
}

/// `(rows, columns)` of the terminal on stdout, if it is one.
pub fn window_size() -> Option<(u16, u16)> {
    let stdout = std::io::stdout();
    let size = termios::tcgetwinsize(stdout.as_fd()).ok()?;
    if size.ws_row == 0 || size.ws_col == 0 {
        return None;
    }
    Some((size.ws_row, size.ws_col))
}

/// Puts stdin in raw mode (so keys such as ctrl-c reach the container as bytes) and restores
/// the previous mode when dropped.
pub struct RawModeGuard {
    saved: Termios,
    on_signal: Option<tokio::task::JoinHandle<()>>,
}

impl RawModeGuard {
    /// Raw mode; a terminating signal (TERM, HUP, INT, QUIT) restores the terminal and exits
    /// 128+signal. `None` when stdin is not a terminal or its mode cannot be changed.
    pub fn enable() -> Option<RawModeGuard> {
        RawModeGuard::enable_with(true)
    }

    /// Raw mode for `run`, whose signal proxy forwards those signals to the container instead
    /// (berth then ends with the container and the guard restores the mode as it drops).
    pub fn enable_with_signal_proxy() -> Option<RawModeGuard> {
        RawModeGuard::enable_with(false)
    }

    fn enable_with(exit_on_signals: bool) -> Option<RawModeGuard> {
        let stdin = std::io::stdin();
        let fd = stdin.as_fd();
        if !is_terminal(fd) {
            return None;
        }
        let saved = termios::tcgetattr(fd).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(fd, OptionalActions::Now, &raw).ok()?;
        let on_signal = exit_on_signals.then(|| spawn_restore_on_signal(saved.clone()));
        Some(RawModeGuard { saved, on_signal })
    }
}

impl Drop for RawModeGuard {
    fn drop(&mut self) {
        if let Some(task) = &self.on_signal {
            task.abort();
        }
        let stdin = std::io::stdin();
        let _ = termios::tcsetattr(stdin.as_fd(), OptionalActions::Now, &self.saved);
    }
}

/// Turns off echo on stdin (password prompts) and restores the mode when dropped.
pub struct EchoOffGuard {
    saved: Termios,
}

impl EchoOffGuard {
    pub fn enable() -> Option<EchoOffGuard> {
        let stdin = std::io::stdin();
        let fd = stdin.as_fd();
        let saved = termios::tcgetattr(fd).ok()?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(termios::LocalModes::ECHO);
        termios::tcsetattr(fd, OptionalActions::Now, &quiet).ok()?;
        Some(EchoOffGuard { saved })
    }
}

impl Drop for EchoOffGuard {
    fn drop(&mut self) {
        let stdin = std::io::stdin();
        let _ = termios::tcsetattr(stdin.as_fd(), OptionalActions::Now, &self.saved);
    }
}

/// Finds the detach sequence (docker's default ctrl-p ctrl-q, or `--detach-keys`) in the
/// input, across reads.
#[derive(Debug, Clone)]
pub struct DetachKeys {
    sequence: Vec<u8>,
    /// How many bytes of `sequence` the previous reads ended with (held back, not yet sent).
    matched: usize,
}

const CTRL_P: u8 = 0x10;
const CTRL_Q: u8 = 0x11;

impl Default for DetachKeys {
    fn default() -> DetachKeys {
        DetachKeys {
            sequence: vec![CTRL_P, CTRL_Q],
            matched: 0,
        }
    }
}

impl DetachKeys {
    /// docker's `term.ToBytes`: comma-separated keys, each a single character or `ctrl-X` where X
    /// is a letter or one of `@[\]^_`. An empty spec is the default sequence.
    pub fn parse(spec: &str) -> Result<DetachKeys, String> {
        if spec.is_empty() {
            return Ok(DetachKeys::default());
        }
        let mut sequence = Vec::new();
        for key in spec.split(',') {
            let key = key.trim();
            let lower = key.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix("ctrl-") {
                let code = match rest.as_bytes() {
                    [c @ b'a'..=b'z'] => c - b'a' + 1,
                    [b'@'] => 0,
                    [b'['] => 27,
                    [b'\\'] => 28,
                    [b']'] => 29,
                    [b'^'] => 30,
                    [b'_'] => 31,
                    _ => return Err(format!("Unknown character: '{key}'")),
                };
                sequence.push(code);
            } else if key.len() == 1 {
                sequence.push(key.as_bytes()[0]);
            } else {
                return Err(format!("Unknown character: '{key}'"));
            }
        }
        Ok(DetachKeys {
            sequence,
            matched: 0,
        })
    }

    /// Returns the bytes to forward, and whether the detach sequence was typed (then the bytes
    /// before it are forwarded and the rest dropped). A partial sequence at the end of a read is
    /// held back until the next bytes show whether it completes.
    pub fn scan(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len() + self.sequence.len());
        for &b in input {
            if b == self.sequence[self.matched] {
                self.matched += 1;
                if self.matched == self.sequence.len() {
                    self.matched = 0;
                    return (out, true);
                }
                continue;
            }
            // Not the sequence after all: release what was held back, then look at `b` afresh.
            out.extend_from_slice(&self.sequence[..self.matched]);
            self.matched = 0;
            if b == self.sequence[0] {
                self.matched = 1;
                if self.sequence.len() == 1 {
                    self.matched = 0;
                    return (out, true);
                }
            } else {
                out.push(b);
            }
        }
        (out, false)
    }
}

/// The detach keys of `--detach-keys` (docker's default when not given), with docker's error.
pub fn detach_keys(spec: Option<&str>) -> Result<DetachKeys, crate::CliError> {
    DetachKeys::parse(spec.unwrap_or("")).map_err(|_| {
        crate::CliError::message(format!(
            "Invalid detach keys ({}) provided",
            spec.unwrap_or("")
        ))
    })
}

/// Restores the terminal mode `saved` and exits when a terminating signal arrives while raw mode
/// is on (a plain exit would leave the user's shell raw).
pub fn spawn_restore_on_signal(saved: Termios) -> tokio::task::JoinHandle<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        (SignalKind::terminate(), 15),
        (SignalKind::hangup(), 1),
        (SignalKind::interrupt(), 2),
        (SignalKind::quit(), 3),
    ];
    let mut streams = Vec::new();
    for (kind, number) in kinds {
        if let Ok(stream) = signal(kind) {
            streams.push((stream, number));
        }
    }
    tokio::spawn(async move {
        if streams.is_empty() {
            return;
        }
        let waits = streams
            .iter_mut()
            .map(|(stream, number)| Box::pin(async move { stream.recv().await.map(|_| *number) }));
        let (received, _, _) = futures_util::future::select_all(waits).await;
        if let Some(number) = received {
            let stdin = std::io::stdin();
            let _ = termios::tcsetattr(stdin.as_fd(), OptionalActions::Now, &saved);
            std::process::exit(128 + number);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_sequence_is_found_across_reads() {
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(b"ls\r"), (b"ls\r".to_vec(), false));
        assert_eq!(keys.scan(&[b'a', CTRL_P]), (b"a".to_vec(), false));
        assert_eq!(keys.scan(&[CTRL_Q, b'z']), (Vec::new(), true));
    }

    #[test]
    fn parses_docker_detach_key_specs() {
        let mut keys = DetachKeys::parse("ctrl-a,b").unwrap();
        assert_eq!(keys.sequence, vec![1, b'b']);
        assert_eq!(keys.scan(b"x\x01y\x01b"), (b"x\x01y".to_vec(), true));
        assert_eq!(
            DetachKeys::parse("ctrl-@,ctrl-[").unwrap().sequence,
            vec![0, 27]
        );
        assert_eq!(
            DetachKeys::parse("").unwrap().sequence,
            vec![CTRL_P, CTRL_Q]
        );
        assert!(DetachKeys::parse("ctrl-1").is_err());
        assert!(DetachKeys::parse("abc").is_err());
    }

    #[test]
    fn three_key_sequence_held_across_reads() {
        let mut keys = DetachKeys::parse("a,b,c").unwrap();
        assert_eq!(keys.scan(b"xa"), (b"x".to_vec(), false));
        assert_eq!(keys.scan(b"b"), (Vec::new(), false));
        assert_eq!(keys.scan(b"x"), (b"abx".to_vec(), false));
        assert_eq!(keys.scan(b"aabc"), (b"a".to_vec(), true));
    }

    #[test]
    fn lone_ctrl_p_is_forwarded() {
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(&[CTRL_P, b'x']), (vec![CTRL_P, b'x'], false));
        assert_eq!(keys.scan(&[CTRL_P, CTRL_P, CTRL_Q]), (vec![CTRL_P], true));
    }
}
