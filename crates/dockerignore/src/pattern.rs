//! One `.dockerignore` pattern, matched the way moby/patternmatcher does: the pattern becomes an
//! exact, prefix (`dir/**`), suffix (`**/x`) or regular-expression match, where `*` and `?` stay
//! within one path element, `**/` matches any number of leading directories and `**` at the end
//! matches everything below.

use crate::go_path::{path_match, BadPattern};

#[derive(Debug, Clone, PartialEq)]
enum MatchType {
    Exact,
    Prefix,
    Suffix,
    Expression(Vec<Token>),
}

/// One element of the expression form (what patternmatcher writes as a regular expression).
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `*` → `[^/]*`
    SegmentRun,
    /// `?` → `[^/]`
    SegmentChar,
    /// `**/` (or `**` followed by more) → `(.*/)?`
    AnyDirs,
    /// `**` at the end → `.*`
    AnyRest,
    /// `[...]`, with regular-expression semantics (a negated class also matches `/`).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    /// The cleaned pattern without its `!`.
    pub(crate) text: String,
    pub(crate) exclusion: bool,
    /// Number of path elements, to match a parent directory of the same depth.
    pub(crate) depth: usize,
    match_type: MatchType,
}

impl Pattern {
    /// Compiles a cleaned pattern line (`!` already split off). Patterns Go's `filepath.Match`
    /// rejects are errors, as in Docker (which then fails the whole build).
    pub(crate) fn compile(text: &str, exclusion: bool) -> Result<Pattern, BadPattern> {
        path_match(text, ".")?;
        Ok(Pattern {
            text: text.to_string(),
            exclusion,
            depth: text.split('/').count(),
            match_type: compile_match_type(text)?,
        })
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        match &self.match_type {
            MatchType::Exact => path == self.text,
            MatchType::Prefix => path.starts_with(&self.text[..self.text.len() - 2]),
            MatchType::Suffix => {
                let suffix = &self.text[2..];
                path.ends_with(suffix)
                    || suffix
                        .strip_prefix('/')
                        .is_some_and(|without_slash| path == without_slash)
            }
            MatchType::Expression(tokens) => {
                let name: Vec<char> = path.chars().collect();
                expression_matches(tokens, &name)
            }
        }
    }
}

fn compile_match_type(pattern: &str) -> Result<MatchType, BadPattern> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut kind = 0u8; // 0 exact, 1 prefix, 2 suffix, 3 expression
    let mut pos = 0;
    let mut iteration = 0;
    while pos < chars.len() {
        let ch = chars[pos];
        pos += 1;
        match ch {
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                if chars.get(pos) == Some(&'/') {
                    pos += 1;
                }
                if pos == chars.len() {
                    if kind == 0 {
                        kind = 1;
                    } else {
                        tokens.push(Token::AnyRest);
                        kind = 3;
                    }
                } else {
                    tokens.push(Token::AnyDirs);
                    kind = 3;
                }
                if iteration == 0 {
                    kind = 2;
                }
            }
            '*' => {
                tokens.push(Token::SegmentRun);
                kind = 3;
            }
            '?' => {
                tokens.push(Token::SegmentChar);
                kind = 3;
            }
            '\\' => match chars.get(pos) {
                Some(&next) => {
                    pos += 1;
                    tokens.push(Token::Literal(next));
                    kind = 3;
                }
                None => tokens.push(Token::Literal('\\')),
            },
            '[' => {
                let (class, after) = parse_class(&chars, pos)?;
                tokens.push(class);
                pos = after;
                kind = 3;
            }
            c => tokens.push(Token::Literal(c)),
        }
        iteration += 1;
    }
    Ok(match kind {
        0 => MatchType::Exact,
        1 => MatchType::Prefix,
        2 => MatchType::Suffix,
        _ => MatchType::Expression(tokens),
    })
}

/// A class starting after its `[`; returns the token and the index after its `]`.
fn parse_class(chars: &[char], mut pos: usize) -> Result<(Token, usize), BadPattern> {
    let negated = chars.get(pos) == Some(&'^');
    if negated {
        pos += 1;
    }
    let mut ranges = Vec::new();
    loop {
        let c = *chars.get(pos).ok_or(BadPattern)?;
        if c == ']' && !ranges.is_empty() {
            return Ok((Token::Class { negated, ranges }, pos + 1));
        }
        let lo = class_char(chars, &mut pos)?;
        let hi = if chars.get(pos) == Some(&'-') && chars.get(pos + 1) != Some(&']') {
            pos += 1;
            class_char(chars, &mut pos)?
        } else {
            lo
        };
        if hi < lo {
            return Err(BadPattern);
        }
        ranges.push((lo, hi));
    }
}

fn class_char(chars: &[char], pos: &mut usize) -> Result<char, BadPattern> {
    let mut c = *chars.get(*pos).ok_or(BadPattern)?;
    if c == '\\' {
        *pos += 1;
        c = *chars.get(*pos).ok_or(BadPattern)?;
    }
    *pos += 1;
    Ok(c)
}

/// Dynamic programming over (token, position): linear in pattern × path, whatever the pattern.
fn expression_matches(tokens: &[Token], name: &[char]) -> bool {
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for token in tokens {
        let mut next = vec![false; name.len() + 1];
        match token {
            Token::SegmentRun => {
                for j in 0..=name.len() {
                    next[j] = reach[j] || (j > 0 && next[j - 1] && name[j - 1] != '/');
                }
            }
            Token::AnyDirs => {
                let mut any_before = false;
                for j in 0..=name.len() {
                    next[j] = reach[j] || (j > 0 && any_before && name[j - 1] == '/');
                    any_before |= reach[j];
                }
            }
            Token::AnyRest => {
                let mut any_before = false;
                for j in 0..=name.len() {
                    any_before |= reach[j];
                    next[j] = any_before;
                }
            }
            single => {
                for j in 1..=name.len() {
                    next[j] = reach[j - 1] && single_matches(single, name[j - 1]);
                }
            }
        }
        reach = next;
    }
    reach[name.len()]
}

fn single_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::SegmentChar => c != '/',
        Token::Class { negated, ranges } => {
            ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated
        }
        Token::SegmentRun | Token::AnyDirs | Token::AnyRest => false,
    }
}
