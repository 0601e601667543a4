//! Typed instructions: flags and arguments checked the way buildkit's `instructions` package
//! checks them (same messages). Values are still unexpanded; the builder expands them.

use crate::dockerfile::Instruction;
use crate::go_duration::parse_go_duration;

/// A `--name[=value]` flag an instruction accepts.
#[derive(Clone, Copy, PartialEq)]
enum FlagKind {
    Bool,
    Str,
    /// May repeat (`--exclude`).
    Strings,
}

/// The flags given to one instruction, after checking them against what it accepts.
#[derive(Debug, Default)]
struct Flags {
    values: Vec<(String, String)>,
}

impl Flags {
    fn parse(raw: &[String], accepted: &[(&str, FlagKind)]) -> Result<Flags, String> {
        let mut flags = Flags::default();
        for word in raw {
            if word == "--" {
                break;
            }
            let Some(body) = word.strip_prefix("--") else {
                return Err(format!("arg should start with -- : {word}"));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let Some((_, kind)) = accepted.iter().find(|(n, _)| *n == name) else {
                return Err(format!("unknown flag: --{name}"));
            };
            if *kind != FlagKind::Strings && flags.get(name).is_some() {
                return Err(format!("duplicate flag specified: --{name}"));
            }
            let value = match (kind, value) {
                (FlagKind::Bool, Some("")) => {
                    return Err(format!("missing a value on flag: --{name}"))
                }
                (FlagKind::Bool, None) => "true".to_string(),
                (FlagKind::Bool, Some(v)) => match v.to_ascii_lowercase().as_str() {
                    "true" => "true".to_string(),
                    "false" => "false".to_string(),
                    _ => {
                        return Err(format!(
                            "expecting boolean value for flag --{name}, not: {v}"
                        ))
                    }
                },
                (_, None) => return Err(format!("missing a value on flag: --{name}")),
                (_, Some(v)) => v.to_string(),
            };
            flags.values.push((name.to_string(), value));
        }
        Ok(flags)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn string(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_string)
    }

    fn used(&self) -> Vec<String> {
        self.values.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// COPY and ADD.
#[derive(Clone, Debug, PartialEq)]
pub struct CopySpec {
    pub sources: Vec<String>,
    pub dest: String,
    pub from: Option<String>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
}

/// One checked instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    From {
        base: String,
        name: Option<String>,
        platform: Option<String>,
    },
    /// `(name, default)` pairs.
    Arg(Vec<(String, Option<String>)>),
    Env(Vec<(String, String)>),
    Label(Vec<(String, String)>),
    Run {
        cmd: Vec<String>,
        shell_form: bool,
        /// BuildKit-only flags (`--mount`, …) the legacy builder refuses when it runs the step.
        buildkit_flags: Vec<String>,
    },
    Cmd {
        cmd: Vec<String>,
        shell_form: bool,
    },
    Entrypoint {
        cmd: Option<Vec<String>>,
        shell_form: bool,
    },
    Copy(CopySpec),
    Add(CopySpec),
    Workdir(String),
    User(String),
    Maintainer(String),
    StopSignal(String),
    Expose(Vec<String>),
    Volume(Vec<String>),
    Healthcheck(image::Healthcheck),
    Shell(Vec<String>),
    /// The trigger as text (`ONBUILD` removed).
    Onbuild(String),
}

fn at_least_one(keyword: &str) -> String {
    format!("{keyword} requires at least one argument")
}

fn exactly_one(keyword: &str) -> String {
    format!("{keyword} requires exactly one argument")
}

/// The shell-form command line is the whole rest as one string.
fn command_line(instruction: &Instruction) -> Vec<String> {
    if instruction.json || instruction.args.is_empty() {
        instruction.args.clone()
    } else {
        vec![instruction.args.join(" ")]
    }
}

fn key_values(instruction: &Instruction, keyword: &str) -> Result<Vec<(String, String)>, String> {
    let args = &instruction.args;
    if args.is_empty() {
        return Err(at_least_one(keyword));
    }
    if !args.len().is_multiple_of(3) {
        return Err(format!("Bad input to {keyword}, too many arguments"));
    }
    args.chunks(3)
        .map(|triple| {
            if triple[0].is_empty() {
                Err(format!("{keyword} names can not be blank"))
            } else {
                Ok((triple[0].clone(), triple[1].clone()))
            }
        })
        .collect()
}

fn copy_spec(
    instruction: &Instruction,
    keyword: &str,
    accepted: &[(&str, FlagKind)],
) -> Result<CopySpec, String> {
    if instruction.args.len() < 2 {
        return Err(format!("{keyword} requires at least two arguments, but only one was provided. Destination could not be determined"));
    }
    let flags = Flags::parse(&instruction.flags, accepted)?;
    let (dest, sources) = instruction
        .args
        .split_last()
        .ok_or_else(|| at_least_one(keyword))?;
    Ok(CopySpec {
        sources: sources.to_vec(),
        dest: dest.clone(),
        from: flags.string("from"),
        chown: flags.string("chown"),
        chmod: flags.string("chmod"),
    })
}

fn is_valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

fn interval(flags: &Flags, name: &str) -> Result<Option<i64>, String> {
    let Some(text) = flags.string(name) else {
        return Ok(None);
    };
    let nanos = parse_go_duration(&text)?;
    if nanos == 0 {
        return Ok(None);
    }
    if nanos < 1_000_000 {
        return Err(format!("Interval \"{name}\" cannot be less than 1ms"));
    }
    Ok(Some(nanos))
}

fn healthcheck(instruction: &Instruction) -> Result<image::Healthcheck, String> {
    let Some(kind) = instruction.args.first() else {
        return Err(at_least_one("HEALTHCHECK"));
    };
    let kind = kind.to_ascii_uppercase();
    let rest = &instruction.args[1..];
    if kind == "NONE" {
        if !rest.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        Flags::parse(&instruction.flags, &[])?;
        return Ok(image::Healthcheck {
            test: Some(vec!["NONE".into()]),
            ..Default::default()
        });
    }
    let flags = Flags::parse(
        &instruction.flags,
        &[
            ("interval", FlagKind::Str),
            ("timeout", FlagKind::Str),
            ("start-period", FlagKind::Str),
            ("start-interval", FlagKind::Str),
            ("retries", FlagKind::Str),
        ],
    )?;
    if kind != "CMD" {
        return Err(format!("Unknown type \"{kind}\" in HEALTHCHECK (try CMD)"));
    }
    let command = if instruction.json || rest.is_empty() {
        rest.to_vec()
    } else {
        vec![rest.join(" ")]
    };
    if command.is_empty() {
        return Err("Missing command after HEALTHCHECK CMD".into());
    }
    let test_kind = if instruction.json { "CMD" } else { "CMD-SHELL" };
    let mut test = vec![test_kind.to_string()];
    test.extend(command);
    let retries = match flags.string("retries") {
        None => None,
        Some(text) => {
            let n: i32 = text
                .parse()
                .map_err(|_| format!("strconv.ParseInt: parsing {text:?}: invalid syntax"))?;
            if n < 0 {
                return Err(format!("--retries cannot be negative ({n})"));
            }
            (n > 0).then_some(i64::from(n))
        }
    };
    Ok(image::Healthcheck {
        test: Some(test),
        interval: interval(&flags, "interval")?,
        timeout: interval(&flags, "timeout")?,
        start_period: interval(&flags, "start-period")?,
        start_interval: interval(&flags, "start-interval")?,
        retries,
    })
}

impl Command {
    /// Checks one instruction; the error is the message without dockerd's line prefix.
    pub fn parse(instruction: &Instruction, escape: char) -> Result<Command, String> {
        let _ = escape;
        let args = &instruction.args;
        let no_flags = |i: &Instruction| Flags::parse(&i.flags, &[]).map(|_| ());
        Ok(match instruction.keyword.as_str() {
            "FROM" => {
                let name = match args.len() {
                    3 if args[1].eq_ignore_ascii_case("as") => {
                        let name = args[2].to_ascii_lowercase();
                        if !is_valid_stage_name(&name) {
                            return Err(format!("invalid name for build stage: {:?}, name can't start with a number or contain symbols", args[2]));
                        }
                        Some(name)
                    }
                    1 => None,
                    _ => return Err("FROM requires either one or three arguments".into()),
                };
                let flags = Flags::parse(&instruction.flags, &[("platform", FlagKind::Str)])?;
                Command::From {
                    base: args[0].clone(),
                    name,
                    platform: flags.string("platform"),
                }
            }
            "ARG" => {
                if args.is_empty() {
                    return Err(at_least_one("ARG"));
                }
                no_flags(instruction)?;
                let mut pairs = Vec::new();
                for arg in args {
                    match arg.split_once('=') {
                        Some(("", _)) => return Err("ARG names can not be blank".into()),
                        Some((k, v)) => pairs.push((k.to_string(), Some(v.to_string()))),
                        None => pairs.push((arg.clone(), None)),
                    }
                }
                Command::Arg(pairs)
            }
            "ENV" => {
                no_flags(instruction)?;
                Command::Env(key_values(instruction, "ENV")?)
            }
            "LABEL" => {
                no_flags(instruction)?;
                Command::Label(key_values(instruction, "LABEL")?)
            }
            "MAINTAINER" => {
                if args.len() != 1 {
                    return Err(exactly_one("MAINTAINER"));
                }
                no_flags(instruction)?;
                Command::Maintainer(args[0].clone())
            }
            "RUN" => {
                reject_heredoc(instruction)?;
                let flags = Flags::parse(
                    &instruction.flags,
                    &[
                        ("mount", FlagKind::Strings),
                        ("network", FlagKind::Str),
                        ("security", FlagKind::Str),
                    ],
                )?;
                Command::Run {
                    cmd: command_line(instruction),
                    shell_form: !instruction.json,
                    buildkit_flags: flags.used(),
                }
            }
            "CMD" => {
                no_flags(instruction)?;
                Command::Cmd {
                    cmd: command_line(instruction),
                    shell_form: !instruction.json,
                }
            }
            "ENTRYPOINT" => {
                no_flags(instruction)?;
                let cmd = command_line(instruction);
                Command::Entrypoint {
                    cmd: (!cmd.is_empty()).then_some(cmd),
                    shell_form: !instruction.json,
                }
            }
            "COPY" => Command::Copy({
                reject_heredoc(instruction)?;
                copy_spec(
                    instruction,
                    "COPY",
                    &[
                        ("chown", FlagKind::Str),
                        ("from", FlagKind::Str),
                        ("chmod", FlagKind::Str),
                        ("link", FlagKind::Bool),
                        ("exclude", FlagKind::Strings),
                        ("parents", FlagKind::Bool),
                    ],
                )?
            }),
            "ADD" => Command::Add({
                reject_heredoc(instruction)?;
                copy_spec(
                    instruction,
                    "ADD",
                    &[
                        ("chown", FlagKind::Str),
                        ("chmod", FlagKind::Str),
                        ("link", FlagKind::Bool),
                        ("keep-git-dir", FlagKind::Bool),
                        ("checksum", FlagKind::Str),
                        ("unpack", FlagKind::Bool),
                        ("exclude", FlagKind::Strings),
                    ],
                )?
            }),
            "WORKDIR" | "USER" | "STOPSIGNAL" => {
                if args.len() != 1 {
                    return Err(exactly_one(&instruction.keyword));
                }
                no_flags(instruction)?;
                let value = args[0].clone();
                match instruction.keyword.as_str() {
                    "WORKDIR" => Command::Workdir(value),
                    "USER" => Command::User(value),
                    _ => Command::StopSignal(value),
                }
            }
            "EXPOSE" => {
                if args.is_empty() {
                    return Err(at_least_one("EXPOSE"));
                }
                no_flags(instruction)?;
                let mut ports = args.clone();
                ports.sort();
                Command::Expose(ports)
            }
            "VOLUME" => {
                if args.is_empty() {
                    return Err(at_least_one("VOLUME"));
                }
                no_flags(instruction)?;
                let mut volumes = Vec::new();
                for v in args {
                    let v = v.trim();
                    if v.is_empty() {
                        return Err("VOLUME specified can not be an empty string".into());
                    }
                    volumes.push(v.to_string());
                }
                Command::Volume(volumes)
            }
            "HEALTHCHECK" => Command::Healthcheck(healthcheck(instruction)?),
            "SHELL" => {
                no_flags(instruction)?;
                if args.is_empty() {
                    return Err(at_least_one("SHELL"));
                }
                if !instruction.json {
                    return Err("SHELL requires the arguments to be in JSON form".into());
                }
                Command::Shell(args.clone())
            }
            "ONBUILD" => {
                let Some(trigger) = args.first() else {
                    return Err(at_least_one("ONBUILD"));
                };
                no_flags(instruction)?;
                let keyword = trigger
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                match keyword.as_str() {
                    "ONBUILD" => {
                        return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into())
                    }
                    "MAINTAINER" | "FROM" => {
                        return Err(format!("{keyword} isn't allowed as an ONBUILD trigger"))
                    }
                    _ => {}
                }
                Command::Onbuild(onbuild_expression(&instruction.original))
            }
            other => return Err(format!("unknown instruction: {other}")),
        })
    }
}

/// Heredocs (`RUN <<EOF`) need BuildKit; berth's legacy builder refuses them clearly instead of
/// reading the document's lines as instructions.
fn reject_heredoc(instruction: &Instruction) -> Result<(), String> {
    if instruction.json {
        return Ok(());
    }
    let line = instruction.args.join(" ");
    let heredoc = crate::dockerfile::words(&line, '\\')
        .into_iter()
        .any(|word| {
            let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
            rest.strip_prefix("<<")
                .map(|r| r.strip_prefix('-').unwrap_or(r).trim_start())
                .is_some_and(|name| !name.is_empty() && !name.contains('<'))
        });
    if heredoc {
        return Err(format!(
            "heredocs ({} <<...) are not supported by the legacy builder",
            instruction.keyword
        ));
    }
    Ok(())
}

/// The ONBUILD line without its keyword (dockerd stores this text in the image's `OnBuild`).
fn onbuild_expression(original: &str) -> String {
    let trimmed = original.trim_start();
    let rest = trimmed.get(7..).unwrap_or_default();
    rest.trim_start().to_string()
}
