//! Re-indents raw JSON like Go's `json.MarshalIndent` of `json.RawMessage` values, which is what
//! `docker inspect` prints: key order is kept as the daemon sent it, four-space indentation,
//! `{}`/`[]` stay compact, and `<`, `>`, `&` are escaped as `\u003c`-style sequences.

/// Indents a sequence of raw JSON documents as one JSON array.
pub fn indent_array(items: &[Vec<u8>]) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let mut joined = Vec::new();
    joined.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            joined.push(b',');
        }
        joined.extend_from_slice(item);
    }
    joined.push(b']');
    indent(&joined, "    ")
}

/// Indents one raw JSON document. Whitespace outside strings is dropped; strings are kept byte
/// for byte except for the HTML escapes.
pub fn indent(raw: &[u8], unit: &str) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // Set after `{` or `[`: the newline is written only if the container is not empty.
    let mut pending_open = false;

    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    };

    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if pending_open {
            pending_open = false;
            if c != '}' && c != ']' {
                newline(&mut out, depth);
            } else {
                depth = depth.saturating_sub(1);
                out.push(c);
                continue;
            }
        }
        match c {
            '{' | '[' => {
                out.push(c);
                depth += 1;
                pending_open = true;
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '"' => {
                in_string = true;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_docker_inspect() {
        let items = vec![
            br#"{"Id":"x","Args":["-f","80"],"Empty":{},"None":[],"N":null,"S":"a<b>&c \"q\""}"#
                .to_vec(),
        ];
        let expected = r#"[
    {
        "Id": "x",
        "Args": [
            "-f",
            "80"
        ],
        "Empty": {},
        "None": [],
        "N": null,
        "S": "a\u003cb\u003e\u0026c \"q\""
    }
]"#;
        assert_eq!(indent_array(&items), expected);
    }

    #[test]
    fn empty_list_is_brackets() {
        assert_eq!(indent_array(&[]), "[]");
    }

    #[test]
    fn keeps_key_order_and_whitespace_inside_strings() {
        assert_eq!(
            indent(br#"{ "b" : 1 , "a" : "x  y" }"#, "  "),
            "{\n  \"b\": 1,\n  \"a\": \"x  y\"\n}"
        );
    }
}
