//! dockerd's history texts (`created_by`), which are also the legacy cache keys:
//! `/bin/sh -c #(nop)  ENV A=b` for config steps, `/bin/sh -c #(nop) COPY file:<sha> in /x `
//! for COPY/ADD, `|1 A=b /bin/sh -c echo $A` for RUN. Go's `%q`/`%v`/`%+v` renderings included.

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub fn go_quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `%v` of a `[]string`: `[a b]`.
pub fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// Go's `time.Duration.String()`: `1m30s`, `1.5s`, `300ms`, `0s`, `1h0m0s`.
pub fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let negative = nanos < 0;
    let n = nanos.unsigned_abs();
    let body = if n < 1_000 {
        format!("{n}ns")
    } else if n < 1_000_000 {
        format!("{}µs", fraction(n, 1_000))
    } else if n < 1_000_000_000 {
        format!("{}ms", fraction(n, 1_000_000))
    } else {
        let hours = n / 3_600_000_000_000;
        let minutes = (n / 60_000_000_000) % 60;
        let seconds = fraction(n % 60_000_000_000, 1_000_000_000);
        if hours > 0 {
            format!("{hours}h{minutes}m{seconds}s")
        } else if minutes > 0 {
            format!("{minutes}m{seconds}s")
        } else {
            format!("{seconds}s")
        }
    };
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

/// `value / unit` with the remainder as a decimal fraction without trailing zeros.
fn fraction(value: u64, unit: u64) -> String {
    let whole = value / unit;
    let rest = value % unit;
    if rest == 0 {
        return whole.to_string();
    }
    let digits = unit.to_string().len() - 1;
    let frac = format!("{rest:0digits$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// dockerd 20.10's `HEALTHCHECK %+v` of the health config.
pub fn go_healthcheck(h: &image::Healthcheck) -> String {
    format!(
        "&{{Test:{} Interval:{} Timeout:{} StartPeriod:{} Retries:{}}}",
        go_list(h.test.as_deref().unwrap_or_default()),
        go_duration(h.interval.unwrap_or(0)),
        go_duration(h.timeout.unwrap_or(0)),
        go_duration(h.start_period.unwrap_or(0)),
        h.retries.unwrap_or(0)
    )
}

/// A config-only step's history: `<shell> #(nop)  <comment>` (dockerd appends "#(nop) " and the
/// comment as two argv words, hence the double space).
pub fn nop_comment(shell: &[String], comment: &str) -> String {
    let mut words = shell.to_vec();
    words.push("#(nop) ".into());
    words.push(comment.into());
    words.join(" ")
}

/// WORKDIR/COPY/ADD history: `<shell> #(nop) <comment>` (one argv word, one space).
pub fn nop_comment_string(shell: &[String], comment: &str) -> String {
    let mut words = shell.to_vec();
    words.push(format!("#(nop) {comment}"));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_renderings() {
        assert_eq!(
            go_quoted_list(&["cat".into(), "/app/a b.txt".into(), "q\"\n".into()]),
            r#"["cat" "/app/a b.txt" "q\"\n"]"#
        );
        assert_eq!(go_list(&["/data".into(), "/x".into()]), "[/data /x]");
        assert_eq!(go_duration(30_000_000_000), "30s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(300_000_000), "300ms");
        assert_eq!(go_duration(0), "0s");
        let sh = ["/bin/sh".to_string(), "-c".to_string()];
        assert_eq!(nop_comment(&sh, "ENV A=b"), "/bin/sh -c #(nop)  ENV A=b");
        assert_eq!(
            nop_comment_string(&sh, "COPY file:ab in /x "),
            "/bin/sh -c #(nop) COPY file:ab in /x "
        );
        let h = image::Healthcheck {
            test: Some(vec!["CMD-SHELL".into(), "true".into()]),
            interval: Some(30_000_000_000),
            retries: Some(3),
            ..Default::default()
        };
        assert_eq!(
            go_healthcheck(&h),
            "&{Test:[CMD-SHELL true] Interval:30s Timeout:0s StartPeriod:0s Retries:3}"
        );
    }
}
