//! `berth logs [-f] [--tail N] [-t] [--since T] CONTAINER`.

use client::LogsOptions;

use crate::args::LogsArgs;
use crate::output::copy_log_stream;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: LogsArgs) -> Result<i32, CliError> {
    // The framing depends on the container's TTY mode, so inspect first as docker does.
    let inspect = ctx.client.inspect_container(&args.container).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let since = args
        .since
        .as_deref()
        .map(|s| parse_timestamp(s, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_timestamp(s, now))
        .transpose()?;
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        follow: args.follow,
        timestamps: args.timestamps,
        tail: Some(args.tail.clone()),
        since,
        until,
        details: args.details,
    };
    let stream = ctx.client.container_logs(&inspect.id, &options).await?;
    copy_log_stream(stream, inspect.config.tty).await?;
    Ok(0)
}

/// docker's `timetypes.GetTimestamp`: a relative duration (`42m`, `1h30m`, `10s`) counts back
/// from now; an RFC 3339 time or date is converted; a number is passed through. The result is
/// Unix seconds with a nanosecond fraction.
pub fn parse_timestamp(value: &str, now_unix: f64) -> Result<String, CliError> {
    if value.is_empty() {
        return Ok(String::new());
    }
    if let Some(seconds) = parse_go_duration(value) {
        let t = now_unix - seconds;
        return Ok(format!("{:.9}", t));
    }
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Ok(value.to_string());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(format!(
            "{}.{:09}",
            t.timestamp(),
            t.timestamp_subsec_nanos()
        ));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        return Ok(format!("{}.000000000", t.and_utc().timestamp()));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(format!("{}.000000000", t.and_utc().timestamp()));
        }
    }
    Err(CliError::message(format!(
        "invalid value for \"since\": failed to parse value as time or duration: \"{value}\""
    )))
}

/// Go's `time.ParseDuration` for the units people use: h, m, s, ms, us, ns (combined: `1h30m`).
fn parse_go_duration(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
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
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_end..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        assert_eq!(parse_timestamp("10s", 1000.0).unwrap(), "990.000000000");
        assert_eq!(parse_timestamp("1h30m", 10000.0).unwrap(), "4600.000000000");
        assert_eq!(parse_timestamp("1700000000", 0.0).unwrap(), "1700000000");
        assert_eq!(
            parse_timestamp("2026-11-22T09:42:09Z", 0.0).unwrap(),
            "1795340529.000000000"
        );
        assert!(parse_timestamp("yesterday", 0.0).is_err());
    }
}
