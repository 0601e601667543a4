//! Go's `path/filepath` helpers that Docker's pattern rules are defined in terms of:
//! `filepath.Clean` and `filepath.Match` (Unix separators).

/// A malformed glob (Go's `filepath.ErrBadPattern`, "syntax error in pattern").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

impl std::error::Error for BadPattern {}

/// Go's `filepath.Clean`: the shortest equivalent path by lexical processing (`//` → `/`,
/// `.` dropped, `x/..` removed, `..` at the root dropped); an empty result is ".".
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// One element of a compiled glob.
#[derive(Debug, Clone, PartialEq)]
enum GlobToken {
    Literal(char),
    /// `?`: one character other than `/`.
    AnyChar,
    /// `*`: any run of characters other than `/`.
    AnyRun,
    /// `[...]`: a character class.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Compiles a Go `filepath.Match` pattern, rejecting what Go rejects.
fn compile_glob(pattern: &str) -> Result<Vec<GlobToken>, BadPattern> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => tokens.push(GlobToken::AnyRun),
            '?' => tokens.push(GlobToken::AnyChar),
            '\\' => {
                i += 1;
                let c = *chars.get(i).ok_or(BadPattern)?;
                tokens.push(GlobToken::Literal(c));
            }
            '[' => {
                i += 1;
                let negated = chars.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *chars.get(i).ok_or(BadPattern)?;
                    if c == ']' && !ranges.is_empty() {
                        break;
                    }
                    let lo = class_char(&chars, &mut i)?;
                    let hi = if chars.get(i) == Some(&'-') {
                        i += 1;
                        class_char(&chars, &mut i)?
                    } else {
                        lo
                    };
                    ranges.push((lo, hi));
                }
                tokens.push(GlobToken::Class { negated, ranges });
            }
            c => tokens.push(GlobToken::Literal(c)),
        }
        i += 1;
    }
    Ok(tokens)
}

/// One (possibly escaped) character of a class; `-` and `]` must be escaped there (as in Go).
fn class_char(chars: &[char], i: &mut usize) -> Result<char, BadPattern> {
    let mut c = *chars.get(*i).ok_or(BadPattern)?;
    if c == '-' || c == ']' {
        return Err(BadPattern);
    }
    if c == '\\' {
        *i += 1;
        c = *chars.get(*i).ok_or(BadPattern)?;
    }
    *i += 1;
    Ok(c)
}

fn token_matches(token: &GlobToken, c: char) -> bool {
    match token {
        GlobToken::Literal(l) => *l == c,
        GlobToken::AnyChar => c != '/',
        GlobToken::AnyRun => c != '/',
        GlobToken::Class { negated, ranges } => {
            let inside = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
            // Go's class never matches the separator, negated or not.
            c != '/' && inside != *negated
        }
    }
}

/// Matches a compiled glob against the whole name; dynamic programming, so hostile patterns
/// with many stars cost O(pattern × name), never exponential time.
fn glob_matches(tokens: &[GlobToken], name: &[char]) -> bool {
    // reach[j]: the tokens so far can consume exactly name[..j].
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for token in tokens {
        let mut next = vec![false; name.len() + 1];
        if *token == GlobToken::AnyRun {
            for j in 0..=name.len() {
                next[j] = reach[j] || (j > 0 && next[j - 1] && name[j - 1] != '/');
            }
        } else {
            for j in 1..=name.len() {
                next[j] = reach[j - 1] && token_matches(token, name[j - 1]);
            }
        }
        reach = next;
    }
    reach[name.len()]
}

/// Go's `filepath.Match`: whether `name` matches the shell pattern (`*`, `?`, `[...]`, `\`
/// escapes; wildcards never match `/`). A malformed pattern is an error even when the name could
/// not match anyway, as in Go.
pub fn path_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let tokens = compile_glob(pattern)?;
    let name: Vec<char> = name.chars().collect();
    Ok(glob_matches(&tokens, &name))
}

/// Whether a pattern has any of Go's glob metacharacters (`filepath` treats it as a literal
/// path otherwise).
pub fn has_glob_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            (".", "."),
            ("./foo", "foo"),
            ("foo/", "foo"),
            ("/foo/../..", "/"),
            ("a//b/./c/..", "a/b"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/", "/"),
            ("//x", "/x"),
        ] {
            assert_eq!(clean_path(input), want, "{input:?}");
        }
    }

    #[test]
    fn match_matches_go() {
        for (pattern, name, want) in [
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a?b", "a☺b", Ok(true)),
            ("a?b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[]a]", "]", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
        ] {
            assert_eq!(path_match(pattern, name), want, "{pattern:?} {name:?}");
        }
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(200);
        let name = "a".repeat(199) + "b";
        assert_eq!(path_match(&pattern, &name), Ok(false));
    }
}
