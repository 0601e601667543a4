//! docker's `timetypes.GetTimestamp` for `--since`/`--until` (logs, events): a Go duration counts
//! back from now (whole Unix seconds), RFC 3339 times and dates (local time when no zone is
//! given) become `SECONDS.NANOS`, and a Unix timestamp passes through.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, TimeZone};

use crate::CliError;

/// Converts one flag value; `flag` names it in the error (`since`, `until`).
pub fn get_timestamp(value: &str, now: DateTime<Local>, flag: &str) -> Result<String, CliError> {
    convert(value, now).map_err(|e| CliError::message(format!("invalid value for \"{flag}\": {e}")))
}

fn convert(value: &str, now: DateTime<Local>) -> Result<String, String> {
    if value != "0" {
        if let Some(nanos) = parse_go_duration(value) {
            let then = now.timestamp_nanos_opt().unwrap_or(0) as i128 - nanos;
            return Ok(then.div_euclid(1_000_000_000).to_string());
        }
    }
    let in_location = !value.contains(['z', 'Z', '+']) && value.matches('-').count() != 3;
    let parsed = if in_location {
        parse_local(value, *now.offset())
    } else {
        parse_zoned(value)
    };
    match parsed {
        Some(t) => Ok(format!(
            "{}.{:09}",
            t.timestamp(),
            t.timestamp_subsec_nanos()
        )),
        None if value.contains('-') => Err(format!("parsing time {value:?}: cannot parse")),
        None if is_unix_timestamp(value) => Ok(value.to_string()),
        None => Err(format!(
            "failed to parse value as time or duration: {value:?}"
        )),
    }
}

fn parse_local(value: &str, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let naive = if value.contains('T') {
        let formats = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H"];
        formats.iter().find_map(|f| {
            NaiveDateTime::parse_from_str(value, f).ok().or_else(|| {
                // chrono needs minutes: `2006-01-02T15` is parsed as `15:00`.
                (*f == "%Y-%m-%dT%H")
                    .then(|| {
                        NaiveDateTime::parse_from_str(&format!("{value}:00"), "%Y-%m-%dT%H:%M").ok()
                    })
                    .flatten()
            })
        })?
    } else {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
    };
    zone.from_local_datetime(&naive).single()
}

fn parse_zoned(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t);
    }
    // `2006-01-02T15:04Z07:00`, `2006-01-02T15Z07:00`, `2006-01-02Z07:00`
    let normalized = value.replace(['z'], "Z").replace("Z", "+00:00");
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d%:z"] {
        if let Ok(t) = DateTime::parse_from_str(&normalized, format) {
            return Some(t);
        }
        if format == "%Y-%m-%d%:z" {
            // chrono cannot build a time from a date alone: add midnight. A date is ASCII, so
            // byte 10 not being a character boundary means this is no date (and must not panic).
            if let Some((date, zone)) = normalized.split_at_checked(normalized.len().min(10)) {
                if let Ok(t) =
                    DateTime::parse_from_str(&format!("{date}T00:00{zone}"), "%Y-%m-%dT%H:%M%:z")
                {
                    return Some(t);
                }
            }
        }
    }
    None
}

/// `SECONDS[.NANOS]`.
fn is_unix_timestamp(value: &str) -> bool {
    let (seconds, nanos) = value.split_once('.').unwrap_or((value, "0"));
    let seconds = seconds.strip_prefix('-').unwrap_or(seconds);
    !seconds.is_empty()
        && seconds.bytes().all(|b| b.is_ascii_digit())
        && !nanos.is_empty()
        && nanos.bytes().all(|b| b.is_ascii_digit())
}

/// Go's `time.ParseDuration`, in nanoseconds: an optional sign, then number+unit pairs
/// (`1h30m`, `1.5s`, `-10m`); units ns, us/µs, ms, s, m, h.
pub fn parse_go_duration(s: &str) -> Option<i128> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let number: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "h" => 3_600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_end..];
    }
    // Go refuses durations beyond int64 nanoseconds (~292 years) as invalid; so do we, which
    // also keeps the arithmetic of callers in range.
    if !total.is_finite() || total >= i64::MAX as f64 {
        return None;
    }
    let nanos = total.round() as i128;
    Some(if negative { -nanos } else { nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Local> {
        Local.timestamp_opt(1_000_000, 500_000_000).unwrap()
    }

    #[test]
    fn durations_count_back_in_whole_seconds() {
        assert_eq!(get_timestamp("10s", now(), "since").unwrap(), "999990");
        assert_eq!(get_timestamp("1h30m", now(), "since").unwrap(), "994600");
        assert_eq!(get_timestamp("-10m", now(), "until").unwrap(), "1000600");
        assert_eq!(get_timestamp("1.5s", now(), "since").unwrap(), "999999");
    }

    #[test]
    fn unix_timestamps_pass_through() {
        assert_eq!(
            get_timestamp("1700000000", now(), "since").unwrap(),
            "1700000000"
        );
        assert_eq!(
            get_timestamp("1700000000.5", now(), "since").unwrap(),
            "1700000000.5"
        );
        assert_eq!(get_timestamp("0", now(), "since").unwrap(), "0");
    }

    #[test]
    fn rfc3339_with_zones() {
        assert_eq!(
            get_timestamp("2026-11-22T09:42:09Z", now(), "since").unwrap(),
            "1795340529.000000000"
        );
        assert_eq!(
            get_timestamp("2026-11-22T10:42:09.25+01:00", now(), "since").unwrap(),
            "1795340529.250000000"
        );
        assert_eq!(
            get_timestamp("2026-11-22Z", now(), "since").unwrap(),
            "1795305600.000000000"
        );
    }

    #[test]
    fn local_times_use_the_local_zone() {
        let offset = now().offset().local_minus_utc() as i64;
        let expected = 1795340529 - offset;
        assert_eq!(
            get_timestamp("2026-11-22T09:42:09", now(), "since").unwrap(),
            format!("{expected}.000000000")
        );
        assert_eq!(
            get_timestamp("2026-11-22T09:42", now(), "since").unwrap(),
            format!("{}.000000000", expected - 9)
        );
        assert_eq!(
            get_timestamp("2026-11-22", now(), "since").unwrap(),
            format!("{}.000000000", 1795305600 - offset)
        );
    }

    #[test]
    fn errors_name_the_flag() {
        assert_eq!(
            get_timestamp("yesterday", now(), "until")
                .unwrap_err()
                .to_string(),
            "invalid value for \"until\": failed to parse value as time or duration: \"yesterday\""
        );
        assert!(get_timestamp("2026-13-45", now(), "since").is_err());
    }

    #[test]
    fn multibyte_text_before_a_zone_is_an_error_not_a_panic() {
        // Found by fuzz/duration_strings: byte 10 fell inside a multi-byte character.
        assert!(get_timestamp("06-:0\u{2e5}\0%\u{42b}Z", now(), "since").is_err());
        assert!(get_timestamp("aéééééZ", now(), "since").is_err());
    }

    #[test]
    fn durations_beyond_int64_nanoseconds_are_invalid() {
        // Found by fuzz/duration_strings: a huge negative duration overflowed `now - nanos`.
        let huge = format!("-{}h", "9".repeat(400));
        assert_eq!(parse_go_duration(&huge), None);
        assert!(get_timestamp(&huge, now(), "until").is_err());
        assert_eq!(
            parse_go_duration("2562047h"),
            Some(2_562_047 * 3_600_000_000_000)
        );
        assert_eq!(parse_go_duration("2562048h"), None);
    }
}
