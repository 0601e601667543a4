//! The first record of Go's `encoding/csv` reader with its defaults (comma `,`, no comments,
//! strict quotes), which docker uses to split `--mount` values: the fields, the quoting rules and
//! the error messages (`parse error on line 1, column 6: bare " in non-quoted-field`) match Go's.

/// Why a record could not be read, worded as Go's `csv.ParseError` / `io.EOF`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// Nothing but empty lines.
    #[error("EOF")]
    Eof,
    /// A quote inside an unquoted field, or a stray or missing quote in a quoted one.
    /// `line`/`column` are 1-based; the column is a byte position, as Go counts it.
    #[error("{}", parse_error_text(*.start_line, *.line, *.column, *.kind))]
    Parse {
        start_line: usize,
        line: usize,
        column: usize,
        kind: QuoteError,
    },
}

/// Go's `csv.ErrBareQuote` and `csv.ErrQuote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteError {
    Bare,
    Quoted,
}

fn parse_error_text(start_line: usize, line: usize, column: usize, kind: QuoteError) -> String {
    let reason = match kind {
        QuoteError::Bare => "bare \" in non-quoted-field",
        QuoteError::Quoted => "extraneous or missing \" in quoted-field",
    };
    if start_line != line {
        format!(
            "record on line {start_line}; parse error on line {line}, column {column}: {reason}"
        )
    } else {
        format!("parse error on line {line}, column {column}: {reason}")
    }
}

/// Splits `input` into lines the way Go's reader sees them: each keeps its `\n`, `\r\n` becomes
/// `\n`, and a `\r` right before the end of the input is dropped.
struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
}

impl<'a> Lines<'a> {
    fn next_line(&mut self) -> Option<Vec<u8>> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.rest.len(), |i| i + 1);
        let mut line = self.rest[..end].to_vec();
        self.rest = &self.rest[end..];
        self.number += 1;
        if line.ends_with(b"\r\n") {
            line.truncate(line.len() - 2);
            line.push(b'\n');
        } else if self.rest.is_empty() && line.ends_with(b"\r") {
            line.pop();
        }
        Some(line)
    }
}

fn newline_len(line: &[u8]) -> usize {
    usize::from(line.ends_with(b"\n"))
}

/// Reads the first record of `input`, skipping leading empty lines.
pub fn read_first_record(input: &str) -> Result<Vec<String>, CsvError> {
    let mut lines = Lines {
        rest: input.as_bytes(),
        number: 0,
    };
    let mut line = loop {
        match lines.next_line() {
            None => return Err(CsvError::Eof),
            Some(l) if l.len() == newline_len(&l) => continue,
            Some(l) => break l,
        }
    };
    let start_line = lines.number;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    // Where we are in `line`, and the 1-based line and byte column Go reports errors at.
    let mut at = 0usize;
    let mut line_no = start_line;
    let mut col = 1usize;
    loop {
        if line.get(at) != Some(&b'"') {
            let rest = &line[at..];
            let comma = rest.iter().position(|&b| b == b',');
            let field = match comma {
                Some(i) => &rest[..i],
                None => &rest[..rest.len() - newline_len(rest)],
            };
            if let Some(j) = field.iter().position(|&b| b == b'"') {
                return Err(CsvError::Parse {
                    start_line,
                    line: lines.number,
                    column: col + j,
                    kind: QuoteError::Bare,
                });
            }
            fields.push(field.to_vec());
            match comma {
                Some(i) => {
                    at += i + 1;
                    col += i + 1;
                    continue;
                }
                None => break,
            }
        }
        // A quoted field: `""` is a quote, `",` ends the field, `"` + end of line ends the record.
        let mut field = Vec::new();
        at += 1;
        col += 1;
        loop {
            let rest = &line[at..];
            if let Some(i) = rest.iter().position(|&b| b == b'"') {
                field.extend_from_slice(&rest[..i]);
                at += i + 1;
                col += i + 1;
                let rest = &line[at..];
                match rest.first() {
                    Some(b'"') => {
                        field.push(b'"');
                        at += 1;
                        col += 1;
                    }
                    Some(b',') => {
                        at += 1;
                        col += 1;
                        fields.push(field);
                        break;
                    }
                    _ if newline_len(rest) == rest.len() => {
                        fields.push(field);
                        return Ok(into_strings(fields));
                    }
                    _ => {
                        return Err(CsvError::Parse {
                            start_line,
                            line: lines.number,
                            column: col - 1,
                            kind: QuoteError::Quoted,
                        });
                    }
                }
            } else if !rest.is_empty() {
                // The field goes on past the end of this line.
                field.extend_from_slice(rest);
                col += rest.len();
                at = 0;
                match lines.next_line() {
                    Some(next) => {
                        line_no += 1;
                        col = 1;
                        line = next;
                    }
                    None => line = Vec::new(),
                }
            } else {
                return Err(CsvError::Parse {
                    start_line,
                    line: line_no,
                    column: col,
                    kind: QuoteError::Quoted,
                });
            }
        }
    }
    Ok(into_strings(fields))
}

/// Fields are split at ASCII bytes only, so each is still valid UTF-8.
fn into_strings(fields: Vec<Vec<u8>>) -> Vec<String> {
    fields
        .into_iter()
        .map(|f| String::from_utf8_lossy(&f).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: &str) -> Vec<String> {
        read_first_record(input).unwrap()
    }

    fn error(input: &str) -> String {
        read_first_record(input).unwrap_err().to_string()
    }

    #[test]
    fn plain_fields() {
        assert_eq!(
            fields("type=bind,src=/a,target=/x"),
            ["type=bind", "src=/a", "target=/x"]
        );
        assert_eq!(fields("target=/x,"), ["target=/x", ""]);
        assert_eq!(fields("a,,b"), ["a", "", "b"]);
        assert_eq!(fields(" a , b"), [" a ", " b"]);
    }

    #[test]
    fn quoted_fields() {
        // Each checked against docker 28.2.2's `--mount` parsing.
        assert_eq!(
            fields("\"type=bind,src=/a b\",target=/x"),
            ["type=bind,src=/a b", "target=/x"]
        );
        assert_eq!(
            fields("target=/x,\"src=a\"\"b\""),
            ["target=/x", "src=a\"b"]
        );
        assert_eq!(fields("target=/x,\"src=a\nb\""), ["target=/x", "src=a\nb"]);
        assert_eq!(fields("\"a\",\"\""), ["a", ""]);
    }

    #[test]
    fn only_the_first_record_after_empty_lines() {
        assert_eq!(
            fields("\ntype=bind,src=/a,target=/x"),
            ["type=bind", "src=/a", "target=/x"]
        );
        assert_eq!(fields("target=/x\nsrc=/y"), ["target=/x"]);
        assert_eq!(fields("a,b\r\nc"), ["a", "b"]);
        assert_eq!(fields("a,b\r"), ["a", "b"]);
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(error(""), "EOF");
        assert_eq!(error("\n\n"), "EOF");
        assert_eq!(
            error("type=\"bind"),
            "parse error on line 1, column 6: bare \" in non-quoted-field"
        );
        assert_eq!(
            error("type=bind,src=/a\"b,target=/x"),
            "parse error on line 1, column 17: bare \" in non-quoted-field"
        );
        assert_eq!(
            error("\"type=bind"),
            "parse error on line 1, column 11: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            error("\"type=bind\"x,target=/x"),
            "parse error on line 1, column 11: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            error("\"a\nbc"),
            "record on line 1; parse error on line 2, column 3: extraneous or missing \" in quoted-field"
        );
    }
}
