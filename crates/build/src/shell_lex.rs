//! Variable expansion with buildkit's shell-lexer rules (what dockerd's builder applies to ENV,
//! LABEL, COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE, ARG and FROM):
//! `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`,
//! `${VAR:?msg}`, `${VAR?msg}`; single quotes are literal; double quotes expand `$` and take
//! escapes only before `"`, `$` and the escape character; elsewhere the escape character makes
//! the next character literal. Quotes are removed.

use std::collections::HashMap;

/// The variables visible to an expansion; a later entry for the same name wins.
#[derive(Clone, Debug, Default)]
pub struct Env {
    values: HashMap<String, String>,
}

impl Env {
    /// From `KEY=value` strings (a string without `=` is a variable with an empty value).
    pub fn from_list<'a>(list: impl IntoIterator<Item = &'a String>) -> Env {
        let mut values = HashMap::new();
        for entry in list {
            let (k, v) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
            values.insert(k.to_string(), v.to_string());
        }
        Env { values }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Expands one word (ProcessWord): the result is a single string.
pub fn expand_word(word: &str, env: &Env, escape: char) -> Result<String, String> {
    let mut lexer = Lexer::new(word, env, escape);
    lexer
        .process(None)
        .map(|(text, _)| text)
        .map_err(|e| format!("failed to process {word:?}: {e}"))
}

/// Expands and splits into words (ProcessWords): whitespace from the text and from variable
/// values separates words, quoted and escaped whitespace does not.
pub fn expand_words(word: &str, env: &Env, escape: char) -> Result<Vec<String>, String> {
    let mut lexer = Lexer::new(word, env, escape);
    lexer
        .process(None)
        .map(|(_, words)| words)
        .map_err(|e| format!("failed to process {word:?}: {e}"))
}

/// Collects words while the text is being expanded.
#[derive(Default)]
struct Words {
    words: Vec<String>,
    current: String,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, c: char) {
        if c.is_whitespace() {
            if self.in_word && !self.current.is_empty() {
                self.words.push(std::mem::take(&mut self.current));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(c);
        }
    }

    fn add_raw_char(&mut self, c: char) {
        self.current.push(c);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        s.chars().for_each(|c| self.add_char(c));
    }

    fn add_raw_string(&mut self, s: &str) {
        self.current.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.words.push(std::mem::take(&mut self.current));
        }
        self.words
    }
}

/// How deeply `${a:-${b:-...}}` may nest: the lexer recurses per level, and a hostile
/// Dockerfile must not exhaust a daemon thread's stack.
const MAX_NESTING: usize = 64;

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    env: &'a Env,
    escape: char,
    depth: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &str, env: &'a Env, escape: char) -> Lexer<'a> {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            env,
            escape,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Processes up to `stop` (consumed) or the end; returns the text and its words.
    fn process(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            match c {
                '$' => {
                    let value = self.dollar()?;
                    words.add_string(&value);
                    result.push_str(&value);
                }
                '\'' => {
                    let value = self.single_quoted()?;
                    words.add_raw_string(&value);
                    result.push_str(&value);
                }
                '"' => {
                    let value = self.double_quoted()?;
                    words.add_raw_string(&value);
                    result.push_str(&value);
                }
                _ => {
                    self.next();
                    if c == self.escape {
                        let Some(escaped) = self.next() else { break };
                        words.add_raw_char(escaped);
                        result.push(escaped);
                    } else {
                        words.add_char(c);
                        result.push(c);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn single_quoted(&mut self) -> Result<String, String> {
        self.next();
        let mut out = String::new();
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quoted(&mut self) -> Result<String, String> {
        self.next();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    return Ok(out);
                }
                Some('$') => out.push_str(&self.dollar()?),
                Some(c) => {
                    self.next();
                    if c == self.escape {
                        match self.peek() {
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == self.escape => {
                                self.next();
                                out.push(n);
                            }
                            // Other escapes stay as written: "\n" is a backslash and an n.
                            Some(_) => out.push(c),
                        }
                    } else {
                        out.push(c);
                    }
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        if let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if "@*#?-$!0".contains(c) {
                self.next();
                return c.to_string();
            }
        }
        while let Some(c) = self.peek() {
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            self.next();
            name.push(c);
        }
        name
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.env.get(name).map(str::to_string)
    }

    fn dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.lookup(&name).unwrap_or_default());
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.name();
        let Some(mut modifier) = self.next() else {
            return Err("syntax error: missing '}'".into());
        };
        if modifier == '}' {
            return Ok(self.lookup(&name).unwrap_or_default());
        }
        let mut shown = modifier.to_string();
        let null_is_unset = modifier == ':';
        if null_is_unset {
            let Some(next) = self.next() else {
                return Err("syntax error: missing '}'".into());
            };
            modifier = next;
            shown.push(next);
        }
        if !matches!(modifier, '+' | '-' | '?') {
            return Err(format!("unsupported modifier ({shown}) in substitution"));
        }
        if self.depth >= MAX_NESTING {
            return Err("syntax error: substitutions nested too deeply".into());
        }
        self.depth += 1;
        let word = self.process(Some('}'));
        self.depth -= 1;
        let word = match word {
            Ok((word, _)) => word,
            Err(_) if self.peek().is_none() => return Err("syntax error: missing '}'".into()),
            Err(e) => return Err(e),
        };
        let value = self.lookup(&name);
        let unset = match &value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match modifier {
            '-' => Ok(if unset {
                word
            } else {
                value.unwrap_or_default()
            }),
            '+' => Ok(if unset { String::new() } else { word }),
            _ => {
                if unset {
                    let default = if value.is_none() {
                        "is not allowed to be unset"
                    } else {
                        "is not allowed to be empty"
                    };
                    let message = if word.is_empty() { default } else { &word };
                    Err(format!("{name}: {message}"))
                } else {
                    Ok(value.unwrap_or_default())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        let list: Vec<String> = [
            "PWD=/home",
            "SHELL=bash",
            "KOREAN=한국어",
            "EMPTY=",
            "WS=a b",
            "NUM1=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Env::from_list(&list)
    }

    #[test]
    fn word_expansion_table() {
        let env = env();
        for (input, want) in [
            ("hello", "hello"),
            ("he'll'o", "hello"),
            ("he'llo", "<error>"),
            ("he\\'llo", "he'llo"),
            ("he\\\\'ll'o", "he\\llo"),
            ("abc\\\\def", "abc\\def"),
            ("\"abc\\\\def\"", "abc\\def"),
            ("\"abc\\\"def\"", "abc\"def"),
            ("'abc\\\\def'", "abc\\\\def"),
            ("\"a\\nb\"", "a\\nb"),
            ("a\\nb", "anb"),
            ("$PWD", "/home"),
            ("${PWD}", "/home"),
            ("x${PWD}y", "x/homey"),
            ("\\$PWD", "$PWD"),
            ("'$PWD'", "$PWD"),
            ("\"$PWD\"", "/home"),
            ("\"\\$PWD\"", "$PWD"),
            ("$XXX", ""),
            ("${XXX:-def}", "def"),
            ("${XXX-def}", "def"),
            ("${EMPTY:-def}", "def"),
            ("${EMPTY-def}", ""),
            ("${PWD:-def}", "/home"),
            ("${PWD:+alt}", "alt"),
            ("${PWD+alt}", "alt"),
            ("${EMPTY:+alt}", ""),
            ("${EMPTY+alt}", "alt"),
            ("${XXX:+alt}", ""),
            ("${XXX:-${PWD}/x}", "/home/x"),
            ("${XXX:-'quoted }'}", "quoted }"),
            ("$", "$"),
            ("a$", "a$"),
            ("$1x", "x"),
            ("${KOREAN}", "한국어"),
            ("$KOREAN", "한국어"),
            ("${PWD", "<error>"),
            ("${}", "<error>"),
            ("${:x}", "<error>"),
            ("${PWD%x}", "<error>"),
            ("${XXX?}", "<error>"),
            ("${PWD?}", "/home"),
            ("${EMPTY:?}", "<error>"),
            ("\"unterminated", "<error>"),
        ] {
            let got = expand_word(input, &env, '\\').unwrap_or_else(|_| "<error>".into());
            assert_eq!(got, want, "input {input:?}");
        }
    }

    #[test]
    fn error_messages_match_buildkit() {
        let env = env();
        assert_eq!(
            expand_word("${XXX:?must be set}", &env, '\\').unwrap_err(),
            "failed to process \"${XXX:?must be set}\": XXX: must be set"
        );
        assert_eq!(
            expand_word("${PWD", &env, '\\').unwrap_err(),
            "failed to process \"${PWD\": syntax error: missing '}'"
        );
        assert_eq!(
            expand_word("${PWD%x}", &env, '\\').unwrap_err(),
            "failed to process \"${PWD%x}\": unsupported modifier (%) in substitution"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let env = env();
        let deep = "${X:-".repeat(10_000) + &"}".repeat(10_000);
        assert!(expand_word(&deep, &env, '\\').is_err());
        let fine = "${X:-".repeat(10) + "ok" + &"}".repeat(10);
        assert_eq!(expand_word(&fine, &env, '\\').unwrap(), "ok");
    }

    #[test]
    fn backtick_escape() {
        let env = env();
        assert_eq!(expand_word("`$PWD", &env, '`').unwrap(), "$PWD");
        assert_eq!(expand_word("C:\\dir", &env, '`').unwrap(), "C:\\dir");
    }

    #[test]
    fn words_split_on_unquoted_whitespace_and_values() {
        let env = env();
        for (input, want) in [
            ("a b c", vec!["a", "b", "c"]),
            ("  a   b  ", vec!["a", "b"]),
            ("'a b' c", vec!["a b", "c"]),
            ("\"a $WS\" c", vec!["a a b", "c"]),
            ("$WS", vec!["a", "b"]),
            ("x${WS}y", vec!["xa", "by"]),
            ("a\\ b", vec!["a b"]),
            ("80/tcp 443", vec!["80/tcp", "443"]),
            ("", vec![]),
            ("$EMPTY", vec![]),
        ] {
            assert_eq!(
                expand_words(input, &env, '\\').unwrap(),
                want,
                "input {input:?}"
            );
        }
    }
}
