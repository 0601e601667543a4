//! Signal names and numbers as `docker kill --signal` and `StopSignal` accept them.

use crate::error::{EngineError, Result};

const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

/// Parses `TERM`, `SIGTERM`, `sigterm`, `15` or `RTMIN+3`.
pub fn parse_signal(s: &str) -> Result<i32> {
    let invalid = || EngineError::InvalidArgument(format!("Invalid signal: {s}"));
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        return if (1..=64).contains(&n) {
            Ok(n)
        } else {
            Err(invalid())
        };
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some((_, n)) = SIGNALS.iter().find(|(k, _)| *k == name) {
        return Ok(*n);
    }
    if let Some(off) = name.strip_prefix("RTMIN+") {
        return off
            .parse::<i32>()
            .ok()
            .map(|o| 34 + o)
            .filter(|n| *n <= 64)
            .ok_or_else(invalid);
    }
    if let Some(off) = name.strip_prefix("RTMAX-") {
        return off
            .parse::<i32>()
            .ok()
            .map(|o| 64 - o)
            .filter(|n| *n >= 34)
            .ok_or_else(invalid);
    }
    Err(invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_numbers() {
        assert_eq!(parse_signal("USR1").unwrap(), 10);
        assert_eq!(parse_signal("SIGTERM").unwrap(), 15);
        assert_eq!(parse_signal("sigkill").unwrap(), 9);
        assert_eq!(parse_signal("2").unwrap(), 2);
        assert_eq!(parse_signal("RTMIN+1").unwrap(), 35);
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("0").is_err());
    }
}
