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
}

impl RawModeGuard {
    /// `None` when stdin is not a terminal or its mode cannot be changed.
    pub fn enable() -> Option<RawModeGuard> {
        let stdin = std::io::stdin();
        let fd = stdin.as_fd();
        if !is_terminal(fd) {
            return None;
        }
        let saved = termios::tcgetattr(fd).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(fd, OptionalActions::Now, &raw).ok()?;
        Some(RawModeGuard { saved })
    }
}

impl Drop for RawModeGuard {
    fn drop(&mut self) {
        let stdin = std::io::stdin();
        let _ = termios::tcsetattr(stdin.as_fd(), OptionalActions::Now, &self.saved);
    }
}

/// Finds docker's default detach sequence, ctrl-p ctrl-q, across reads.
#[derive(Debug, Default)]
pub struct DetachKeys {
    /// The previous read ended with ctrl-p.
    pending_ctrl_p: bool,
}

const CTRL_P: u8 = 0x10;
const CTRL_Q: u8 = 0x11;

impl DetachKeys {
    /// Returns the bytes to forward, and whether the detach sequence was typed (then the bytes
    /// before it are forwarded and the rest dropped). A lone ctrl-p is held back until the next
    /// byte shows it is not part of the sequence.
    pub fn scan(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len() + 1);
        for &b in input {
            if self.pending_ctrl_p {
                self.pending_ctrl_p = false;
                if b == CTRL_Q {
                    return (out, true);
                }
                out.push(CTRL_P);
            }
            if b == CTRL_P {
                self.pending_ctrl_p = true;
            } else {
                out.push(b);
            }
        }
        (out, false)
    }
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
    fn lone_ctrl_p_is_forwarded() {
        let mut keys = DetachKeys::default();
        assert_eq!(keys.scan(&[CTRL_P, b'x']), (vec![CTRL_P, b'x'], false));
        assert_eq!(keys.scan(&[CTRL_P, CTRL_P, CTRL_Q]), (vec![CTRL_P], true));
    }
}
