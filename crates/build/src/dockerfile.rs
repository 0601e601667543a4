//! The Dockerfile parser: buildkit's line rules (parser directives, line continuations with the
//! escape character, comment and empty lines inside continuations, flags, JSON or shell form),
//! grouped into stages the way the legacy builder does. Every instruction is also checked by
//! [`crate::commands::Command::parse`] here, so syntax errors surface before anything runs.

use crate::commands::Command;
use crate::error::BuildError;

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// ARG instructions before the first FROM (usable in FROM lines).
    pub meta_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Parser warnings dockerd prints ("[WARNING]: Empty continuation line found in: …").
    pub warnings: Vec<String>,
}

/// One build stage: a FROM and the instructions after it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stage {
    pub from: Instruction,
    /// The base image as written (before ARG expansion).
    pub base: String,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// `--platform=` as written.
    pub platform: Option<String>,
    pub instructions: Vec<Instruction>,
}

/// One instruction as written (before variable expansion).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instruction {
    /// 1-based line where the instruction starts.
    pub line: usize,
    /// Upper-case keyword: "FROM", "RUN", …
    pub keyword: String,
    /// The `--flag[=value]` words before the arguments, as written.
    pub flags: Vec<String>,
    /// The arguments, shaped like buildkit's nodes: one item per JSON element for the exec form;
    /// the rest of the line for RUN/CMD/ENTRYPOINT/SHELL/USER/WORKDIR/…; whitespace-separated
    /// words for FROM/EXPOSE/COPY/ADD/VOLUME; `key, value, "="|""` triples for ENV and LABEL;
    /// `[type, command…]` for HEALTHCHECK; `[trigger line]` for ONBUILD.
    pub args: Vec<String>,
    /// Whether `args` came from a JSON array.
    pub json: bool,
    /// The instruction text as dockerd prints it in "Step n/m : ...".
    pub original: String,
}

/// Parses Dockerfile text.
pub fn parse_dockerfile(text: &str) -> Result<Dockerfile, BuildError> {
    if text.is_empty() {
        return Err(BuildError::Parse(
            "the Dockerfile (Dockerfile) cannot be empty".into(),
        ));
    }
    // dockerd wraps the line parser's own errors with the file name.
    let (instructions, escape, warnings) = parse_lines(text).map_err(|e| match e {
        BuildError::Parse(m) => BuildError::Parse(format!("failed to parse Dockerfile: {m}")),
        other => other,
    })?;
    let mut dockerfile = Dockerfile {
        escape,
        warnings,
        ..Dockerfile::default()
    };
    for instruction in instructions {
        let command = Command::parse(&instruction, escape).map_err(|message| {
            BuildError::Parse(format!(
                "dockerfile parse error line {}: {message}",
                instruction.line
            ))
        })?;
        match command {
            Command::From {
                base,
                name,
                platform,
            } => dockerfile.stages.push(Stage {
                from: instruction,
                base,
                name,
                platform,
                instructions: Vec::new(),
            }),
            Command::Arg(_) if dockerfile.stages.is_empty() => {
                dockerfile.meta_args.push(instruction)
            }
            _ => match dockerfile.stages.last_mut() {
                Some(stage) => stage.instructions.push(instruction),
                None => {
                    return Err(BuildError::Parse(format!(
                        "dockerfile parse error line {}: no build stage in current context",
                        instruction.line
                    )))
                }
            },
        }
    }
    Ok(dockerfile)
}

/// Parses one line as a whole Dockerfile would (ONBUILD triggers are stored as text).
pub(crate) fn parse_single_line(text: &str) -> Result<Instruction, BuildError> {
    let (mut instructions, _, _) = parse_lines(text)?;
    if instructions.len() != 1 {
        return Err(BuildError::Parse(
            "onbuild trigger should be a single expression".into(),
        ));
    }
    Ok(instructions.remove(0))
}

/// The `# escape=` / `# syntax=` directives at the top of the file.
struct Directives {
    escape: char,
    done: bool,
    seen: Vec<String>,
}

impl Directives {
    /// Looks at a line (left-trimmed) while directives are still possible; returns whether it
    /// was a directive.
    fn consider(&mut self, line: &str) -> Result<bool, BuildError> {
        if self.done {
            return Ok(false);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.done = true;
            return Ok(false);
        };
        let rest = rest.trim_start();
        let Some((key, value)) = rest.split_once('=') else {
            self.done = true;
            return Ok(false);
        };
        let key = key.trim_end();
        let value = value.trim();
        let valid_key = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && key.chars().all(|c| c.is_ascii_alphanumeric());
        let key = key.to_ascii_lowercase();
        if !valid_key || value.is_empty() || !matches!(key.as_str(), "escape" | "syntax" | "check")
        {
            self.done = true;
            return Ok(false);
        }
        if self.seen.contains(&key) {
            return Err(BuildError::Parse(format!(
                "only one {key} parser directive can be used"
            )));
        }
        self.seen.push(key.clone());
        if key == "escape" {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(BuildError::Parse(format!(
                        "invalid escape token '{other}' does not match ` or \\"
                    )))
                }
            };
        }
        Ok(true)
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Strips a trailing escape character (plus spaces/tabs after it) that continues the line; an
/// escaped escape character (`\\`) does not continue.
fn trim_continuation(line: &str, escape: char) -> (String, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    if let Some(before) = body.strip_suffix(escape) {
        if before.is_empty() || !before.ends_with(escape) {
            return (before.to_string(), true);
        }
    }
    (line.to_string(), false)
}

/// Splits the text into logical lines and those into instructions (no semantic checks).
fn parse_lines(text: &str) -> Result<(Vec<Instruction>, char, Vec<String>), BuildError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut directives = Directives {
        escape: '\\',
        done: false,
        seen: Vec::new(),
    };
    let mut lines = text.split_inclusive('\n').peekable();
    let mut current_line = 0usize;
    let mut instructions = Vec::new();
    let mut warnings = Vec::new();
    while let Some(raw) = lines.next() {
        current_line += 1;
        let raw = raw.trim_end_matches(['\r', '\n']);
        let trimmed = raw.trim_start();
        directives.consider(trimmed)?;
        let first = if is_comment(trimmed) { "" } else { trimmed };
        let (first, mut continues) = trim_continuation(first, directives.escape);
        if !continues && first.is_empty() {
            continue;
        }
        let start_line = current_line;
        let mut logical = first;
        let mut empty_continuation = false;
        while continues {
            let Some(next) = lines.next() else { break };
            current_line += 1;
            let next = next.trim_end_matches(['\r', '\n']);
            directives.consider(next)?;
            if is_comment(next) {
                continue;
            }
            if next.trim().is_empty() {
                empty_continuation = true;
                continue;
            }
            let (part, more) = trim_continuation(next, directives.escape);
            logical.push_str(&part);
            continues = more;
        }
        if empty_continuation {
            warnings.push(format!("Empty continuation line found in: {logical}"));
        }
        let instruction = split_instruction(&logical, start_line, directives.escape)?;
        instructions.push(instruction);
    }
    if instructions.is_empty() {
        return Err(BuildError::Parse("file with no instructions".into()));
    }
    Ok((instructions, directives.escape, warnings))
}

/// Splits a logical line into keyword, flags and arguments shaped per instruction.
fn split_instruction(line: &str, number: usize, escape: char) -> Result<Instruction, BuildError> {
    let trimmed = line.trim();
    let (keyword, rest) = match trimmed.split_once(is_go_whitespace) {
        Some((k, r)) => (k, r.trim_start_matches(is_go_whitespace)),
        None => (trimmed, ""),
    };
    let keyword = keyword.to_ascii_uppercase();
    let (rest, flags) = extract_flags(rest, escape);
    let rest = rest.trim();
    let mut instruction = Instruction {
        line: number,
        keyword: keyword.clone(),
        flags,
        args: Vec::new(),
        json: false,
        original: line.to_string(),
    };
    let (args, json) = match keyword.as_str() {
        "ADD" | "COPY" | "VOLUME" => maybe_json_to_list(rest).map_err(|e| at_line(number, e))?,
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => {
            maybe_json(rest).map_err(|e| at_line(number, e))?
        }
        "ENV" => (
            name_values(rest, "ENV", escape).map_err(|e| at_line(number, e))?,
            false,
        ),
        "LABEL" => (
            name_values(rest, "LABEL", escape).map_err(|e| at_line(number, e))?,
            false,
        ),
        "ARG" => (words(rest, escape), false),
        "FROM" | "EXPOSE" => (whitespace_words(rest), false),
        "HEALTHCHECK" => health_args(rest).map_err(|e| at_line(number, e))?,
        _ if rest.is_empty() => (Vec::new(), false),
        _ => (vec![rest.to_string()], false),
    };
    instruction.args = args;
    instruction.json = json;
    Ok(instruction)
}

fn at_line(_line: usize, message: String) -> BuildError {
    // dockerd reports these low-level parser errors without the line prefix.
    BuildError::Parse(message)
}

fn is_go_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

fn whitespace_words(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    rest.split(is_go_whitespace)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Leading `--name[=value]` words (buildkit's extractBuilderFlags: quotes and escapes are
/// processed inside a flag word; `--` alone ends the flags).
fn extract_flags(line: &str, escape: char) -> (String, Vec<String>) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut flags = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            return (String::new(), flags);
        }
        let starts_flag = chars[i].1 == '-' && chars.get(i + 1).is_some_and(|c| c.1 == '-');
        if !starts_flag {
            return (line[chars[i].0..].to_string(), flags);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut blank_ok = false;
        while i < chars.len() {
            let c = chars[i].1;
            match quote {
                None if c.is_whitespace() => break,
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    blank_ok = true;
                }
                Some(q) if c == q => quote = None,
                _ if c == escape => {
                    if i + 1 < chars.len() {
                        i += 1;
                        word.push(chars[i].1);
                    } else {
                        quote = None;
                    }
                }
                _ => word.push(c),
            }
            i += 1;
        }
        if word == "--" {
            let rest = chars.get(i).map(|c| &line[c.0..]).unwrap_or("");
            return (rest.to_string(), flags);
        }
        if blank_ok || !word.is_empty() {
            flags.push(word);
        }
    }
}

const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// A JSON string array, `Ok(None)` when the text is not a JSON array at all.
fn parse_json_array(rest: &str) -> Result<Option<Vec<String>>, String> {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return Ok(None);
    }
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(rest) else {
        return Ok(None);
    };
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(NOT_STRING_ARRAY.to_string()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn maybe_json(rest: &str) -> Result<(Vec<String>, bool), String> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    Ok(match parse_json_array(rest)? {
        Some(items) => (items, true),
        None => (vec![rest.to_string()], false),
    })
}

fn maybe_json_to_list(rest: &str) -> Result<(Vec<String>, bool), String> {
    Ok(match parse_json_array(rest)? {
        Some(items) => (items, true),
        None => (whitespace_words(rest), false),
    })
}

fn health_args(rest: &str) -> Result<(Vec<String>, bool), String> {
    let Some(sep) = rest.find(char::is_whitespace) else {
        return Ok(if rest.is_empty() {
            (Vec::new(), false)
        } else {
            (vec![rest.to_string()], false)
        });
    };
    let kind = &rest[..sep];
    let (mut command, json) = maybe_json(rest[sep..].trim_start())?;
    command.insert(0, kind.to_string());
    Ok((command, json))
}

/// buildkit's parseWords: whitespace-separated words where quotes group and escapes protect,
/// both kept in the word (expansion removes them later).
pub(crate) fn words(rest: &str, escape: char) -> Vec<String> {
    let chars: Vec<char> = rest.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut blank_ok = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !in_word {
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            in_word = true;
        }
        match quote {
            None => {
                if c.is_whitespace() {
                    if blank_ok || !word.is_empty() {
                        out.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                    blank_ok = false;
                    i += 1;
                    continue;
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    blank_ok = true;
                }
                if c == escape {
                    if i + 1 == chars.len() {
                        i += 1;
                        continue;
                    }
                    word.push(c);
                    i += 1;
                }
                word.push(chars[i]);
            }
            Some(q) => {
                if c == q {
                    quote = None;
                }
                if c == escape && q != '\'' {
                    if i + 1 == chars.len() {
                        quote = None;
                        i += 1;
                        continue;
                    }
                    word.push(c);
                    i += 1;
                }
                word.push(chars[i]);
            }
        }
        i += 1;
    }
    if in_word && (blank_ok || !word.is_empty()) {
        out.push(word);
    }
    out
}

/// ENV/LABEL arguments as `key, value, separator` triples: `a=b c=d` form, or the legacy
/// `ENV key value with spaces` form when the first word has no `=`.
fn name_values(rest: &str, keyword: &str, escape: char) -> Result<Vec<String>, String> {
    let all = words(rest, escape);
    let Some(first) = all.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        let Some((key, value)) = rest.split_once(is_go_whitespace) else {
            return Err(format!("{keyword} must have two arguments"));
        };
        let value = value.trim_start_matches(is_go_whitespace);
        return Ok(vec![key.to_string(), value.to_string(), String::new()]);
    }
    let mut out = Vec::new();
    for word in all {
        let Some((key, value)) = word.split_once('=') else {
            return Err(format!(
                "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
            ));
        };
        out.extend([key.to_string(), value.to_string(), "=".to_string()]);
    }
    Ok(out)
}
