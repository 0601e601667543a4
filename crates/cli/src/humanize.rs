//! Human-readable durations and sizes, matching go-units (`HumanDuration`, `HumanSizeWithPrecision`)
//! so tables read exactly like docker's.

use std::time::Duration;

pub use api::human_duration::human_duration;

/// "<duration> ago" for a Unix timestamp, relative to `now` (both in seconds).
pub fn human_since(created_unix: i64, now_unix_nanos: i128) -> String {
    let elapsed = now_unix_nanos - i128::from(created_unix) * 1_000_000_000;
    let elapsed = Duration::from_nanos(elapsed.clamp(0, i128::from(u64::MAX)) as u64);
    format!("{} ago", human_duration(elapsed))
}

/// Now as nanoseconds since the Unix epoch.
pub fn now_unix_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

const DECIMAL_UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/// go-units `HumanSizeWithPrecision`: decimal (1000) units, `precision` significant digits,
/// formatted like Go's `%.*g` ("1.98MB", "4.26MB", "100kB", "0B").
pub fn human_size_with_precision(size: f64, precision: usize) -> String {
    let mut size = size;
    let mut unit = 0;
    while size >= 1000.0 && unit < DECIMAL_UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", format_g(size, precision), DECIMAL_UNITS[unit])
}

/// go-units `HumanSize`: four significant digits.
pub fn human_size(size: f64) -> String {
    human_size_with_precision(size, 4)
}

/// Go's `%.*g`: shortest of %e/%f at `precision` significant digits, trailing zeros removed.
pub fn format_g(value: f64, precision: usize) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let precision = precision.max(1);
    let sci = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = match sci.split_once('e') {
        Some(parts) => parts,
        None => return sci,
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_fraction_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
    trim_fraction_zeros(&format!("{value:.decimals$}"))
}

fn trim_fraction_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_appends_ago() {
        let now = 1_000_000_000_000_000_000i128;
        let created = (now / 1_000_000_000) as i64 - 2;
        assert_eq!(human_since(created, now), "2 seconds ago");
        assert_eq!(human_since(created + 10, now), "Less than a second ago");
    }

    #[test]
    fn sizes_like_go_units() {
        assert_eq!(human_size_with_precision(1984241.0, 3), "1.98MB");
        assert_eq!(human_size_with_precision(4261000.0, 3), "4.26MB");
        assert_eq!(human_size_with_precision(0.0, 3), "0B");
        assert_eq!(human_size_with_precision(100.0, 3), "100B");
        assert_eq!(human_size_with_precision(100000.0, 3), "100kB");
        assert_eq!(human_size_with_precision(1500.0, 3), "1.5kB");
        assert_eq!(human_size_with_precision(999999.0, 3), "1e+03kB");
        assert_eq!(human_size(1984241.0), "1.984MB");
    }

    #[test]
    fn go_g_formatting() {
        assert_eq!(format_g(1.0, 3), "1");
        assert_eq!(format_g(12.345, 3), "12.3");
        assert_eq!(format_g(0.0001234, 3), "0.000123");
        assert_eq!(format_g(0.00001234, 3), "1.23e-05");
    }
}
