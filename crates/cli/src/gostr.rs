//! String helpers that reproduce what the Go docker CLI prints: `strconv.Quote` and `Ellipsis`.

/// Go's `strconv.Quote`: double quotes, `\"`, `\\`, `\n`, `\t`, `\r` escapes, `\x..` for other
/// control bytes; printable Unicode stays as is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// docker's `formatter.Ellipsis`: keep at most `max` characters, the last one being `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("httpd -f -p 80"), "\"httpd -f -p 80\"");
        assert_eq!(go_quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
        assert_eq!(go_quote("sh -c 'x'"), "\"sh -c 'x'\"");
    }

    #[test]
    fn ellipsis_cuts_to_max_chars() {
        assert_eq!(ellipsis("short", 20), "short");
        assert_eq!(
            ellipsis("sh -c 'while true; do echo tick; sleep 1; done'", 20),
            "sh -c 'while true; …"
        );
        assert_eq!(
            ellipsis("sh -c 'while true; do echo tick; sleep 1; done'", 20)
                .chars()
                .count(),
            20
        );
        assert_eq!(ellipsis("12345678901234567890", 20), "12345678901234567890");
    }
}
