//! Dockerfile-style `--change` instructions for `import` and `commit` (dockerd's `BuildFromConfig`
//! with its `validCommitCommands`).

use std::collections::BTreeMap;

use crate::config::{ContainerConfig, Healthcheck};
use crate::error::{ImageError, Result};

/// Applies `changes` (each one instruction such as `CMD ["sh"]` or `ENV K=V`) to `config`, in order.
pub fn apply_changes(config: &mut ContainerConfig, changes: &[String]) -> Result<()> {
    let mut cmd_set = false;
    for change in changes {
        for line in change.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (instruction, rest) = match line.split_once(char::is_whitespace) {
                Some((i, r)) => (i, r.trim()),
                None => (line, ""),
            };
            apply_one(
                config,
                &instruction.to_ascii_lowercase(),
                rest,
                &mut cmd_set,
            )?;
        }
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> ImageError {
    ImageError::InvalidArgument(message.into())
}

fn apply_one(
    config: &mut ContainerConfig,
    instruction: &str,
    rest: &str,
    cmd_set: &mut bool,
) -> Result<()> {
    match instruction {
        "cmd" => {
            config.cmd = Some(command_form(config, rest));
            *cmd_set = true;
        }
        "entrypoint" => {
            let entrypoint = command_form(config, rest);
            config.entrypoint = if entrypoint.is_empty() {
                None
            } else {
                Some(entrypoint)
            };
            // As in a Dockerfile, ENTRYPOINT resets a CMD inherited from before it.
            if !*cmd_set {
                config.cmd = None;
            }
        }
        "env" => {
            let env = config.env.get_or_insert_with(Vec::new);
            for (key, value) in key_values("ENV", rest)? {
                let prefix = format!("{key}=");
                let entry = format!("{key}={value}");
                match env
                    .iter_mut()
                    .find(|e| e.starts_with(&prefix) || **e == key)
                {
                    Some(existing) => *existing = entry,
                    None => env.push(entry),
                }
            }
        }
        "label" => {
            let labels = config.labels.get_or_insert_with(BTreeMap::new);
            for (key, value) in key_values("LABEL", rest)? {
                labels.insert(key, value);
            }
        }
        "workdir" => {
            let dir = unquote_single(rest)?;
            if dir.is_empty() {
                return Err(invalid("WORKDIR requires exactly one argument"));
            }
            let joined = if dir.starts_with('/') {
                dir
            } else {
                format!("{}/{dir}", config.working_dir)
            };
            config.working_dir = clean_abs_path(&joined);
        }
        "user" => {
            let user = unquote_single(rest)?;
            if user.is_empty() {
                return Err(invalid("USER requires exactly one argument"));
            }
            config.user = user;
        }
        "expose" => {
            let words = split_words(rest)?;
            if words.is_empty() {
                return Err(invalid("EXPOSE requires at least one argument"));
            }
            let ports = config.exposed_ports.get_or_insert_with(BTreeMap::new);
            for word in words {
                for port in expand_port(&word)? {
                    ports.insert(port, serde_json::json!({}));
                }
            }
        }
        "volume" => {
            let paths = match json_array(rest) {
                Some(paths) => paths,
                None => split_words(rest)?,
            };
            if paths.is_empty() {
                return Err(invalid("VOLUME requires at least one argument"));
            }
            let volumes = config.volumes.get_or_insert_with(BTreeMap::new);
            for path in paths {
                if path.trim().is_empty() {
                    return Err(invalid("VOLUME specified can not be an empty string"));
                }
                volumes.insert(path, serde_json::json!({}));
            }
        }
        "stopsignal" => {
            let signal = unquote_single(rest)?;
            if signal.is_empty() {
                return Err(invalid("STOPSIGNAL requires exactly one argument"));
            }
            config.stop_signal = Some(signal);
        }
        "onbuild" => {
            if rest.is_empty() {
                return Err(invalid("ONBUILD requires at least one argument"));
            }
            config
                .on_build
                .get_or_insert_with(Vec::new)
                .push(rest.to_string());
        }
        "healthcheck" => config.healthcheck = Some(healthcheck(rest)?),
        other => return Err(invalid(format!("{other} is not a valid change command"))),
    }
    Ok(())
}

/// JSON (exec) form when `rest` is a JSON array of strings, else shell form through the image's
/// `Shell` (default `/bin/sh -c`).
fn command_form(config: &ContainerConfig, rest: &str) -> Vec<String> {
    if let Some(args) = json_array(rest) {
        return args;
    }
    if rest.is_empty() {
        return Vec::new();
    }
    let mut args = config
        .shell
        .clone()
        .unwrap_or_else(|| vec!["/bin/sh".to_string(), "-c".to_string()]);
    args.push(rest.to_string());
    args
}

fn json_array(rest: &str) -> Option<Vec<String>> {
    if !rest.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(rest).ok()
}

/// `K=V K2="v 2"` pairs, or the legacy single `K value with spaces`.
fn key_values(instruction: &str, rest: &str) -> Result<Vec<(String, String)>> {
    if rest.is_empty() {
        return Err(invalid(format!(
            "{instruction} requires at least one argument"
        )));
    }
    let first = rest.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (key, value) = match rest.split_once(char::is_whitespace) {
            Some((k, v)) => (k, v.trim()),
            None => return Err(invalid(format!("{instruction} names can not be blank"))),
        };
        return Ok(vec![(unquote_single(key)?, unquote_single(value)?)]);
    }
    let mut pairs = Vec::new();
    for word in split_words(rest)? {
        let Some((key, value)) = word.split_once('=') else {
            return Err(invalid(format!(
                "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
            )));
        };
        if key.is_empty() {
            return Err(invalid(format!("{instruction} names can not be blank")));
        }
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

/// Splits on unquoted whitespace, removing quotes and backslash escapes like the Dockerfile parser.
fn split_words(s: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(invalid(
                            "unexpected end of statement while looking for matching single-quote",
                        )),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => word.push(c),
                            None => return Err(invalid("unexpected end of statement while looking for matching double-quote")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(invalid("unexpected end of statement while looking for matching double-quote")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn unquote_single(s: &str) -> Result<String> {
    Ok(split_words(s)?.join(" "))
}

/// `/a/./b/../c` → `/a/c`.
fn clean_abs_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `80` → `80/tcp`; `53/udp`; `8000-8002` → three ports.
fn expand_port(spec: &str) -> Result<Vec<String>> {
    let (range, proto) = match spec.split_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    let bad = || invalid(format!("invalid containerPort: {range}"));
    let parse = |s: &str| s.parse::<u16>().map_err(|_| bad());
    let (start, end) = match range.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let p = parse(range)?;
            (p, p)
        }
    };
    if end < start || !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(bad());
    }
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

/// `NONE`, or `[--interval=30s] [--timeout=…] [--start-period=…] [--retries=N] CMD …`.
fn healthcheck(rest: &str) -> Result<Healthcheck> {
    let mut hc = Healthcheck::default();
    let mut rest = rest.trim();
    if rest.eq_ignore_ascii_case("none") {
        hc.test = Some(vec!["NONE".to_string()]);
        return Ok(hc);
    }
    while let Some(flag) = rest.strip_prefix("--") {
        let (opt, after) = flag.split_once(char::is_whitespace).unwrap_or((flag, ""));
        let (name, value) = opt
            .split_once('=')
            .ok_or_else(|| invalid(format!("invalid HEALTHCHECK flag --{opt}")))?;
        match name {
            "interval" => hc.interval = Some(duration_ns(value)?),
            "timeout" => hc.timeout = Some(duration_ns(value)?),
            "start-period" => hc.start_period = Some(duration_ns(value)?),
            "start-interval" => hc.start_interval = Some(duration_ns(value)?),
            "retries" => {
                hc.retries = Some(
                    value
                        .parse()
                        .map_err(|_| invalid(format!("invalid retries {value:?}")))?,
                )
            }
            _ => return Err(invalid(format!("Unknown flag: {name}"))),
        }
        rest = after.trim();
    }
    let (kind, cmd) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !kind.eq_ignore_ascii_case("cmd") {
        return Err(invalid(format!(
            "Unknown type {kind:?} in HEALTHCHECK (try CMD)"
        )));
    }
    let cmd = cmd.trim();
    hc.test = Some(match json_array(cmd) {
        Some(args) => std::iter::once("CMD".to_string()).chain(args).collect(),
        None => vec!["CMD-SHELL".to_string(), cmd.to_string()],
    });
    Ok(hc)
}

/// Go-style durations with one unit: `30s`, `500ms`, `1m`, `2h`, `10us`, `5ns`.
fn duration_ns(s: &str) -> Result<i64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num
        .parse()
        .map_err(|_| invalid(format!("invalid duration {s:?}")))?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(invalid(format!("invalid duration {s:?}"))),
    };
    Ok((num * scale) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(changes: &[&str]) -> Result<ContainerConfig> {
        let mut c = ContainerConfig::default();
        apply_changes(
            &mut c,
            &changes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )?;
        Ok(c)
    }

    fn v(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn cmd_and_entrypoint_forms() {
        assert_eq!(apply(&[r#"CMD ["sh"]"#]).unwrap().cmd, v(&["sh"]));
        assert_eq!(
            apply(&["CMD echo hi"]).unwrap().cmd,
            v(&["/bin/sh", "-c", "echo hi"])
        );
        assert_eq!(
            apply(&[r#"cmd ["/bin/busybox","echo","imported"]"#])
                .unwrap()
                .cmd,
            v(&["/bin/busybox", "echo", "imported"])
        );
        let c = apply(&[r#"CMD ["x"]"#, r#"ENTRYPOINT ["/e"]"#]).unwrap();
        assert_eq!((c.entrypoint, c.cmd), (v(&["/e"]), v(&["x"])));
        let mut c = ContainerConfig {
            cmd: v(&["old"]),
            ..Default::default()
        };
        apply_changes(&mut c, &[r#"ENTRYPOINT ["/e"]"#.to_string()]).unwrap();
        assert_eq!(c.cmd, None, "ENTRYPOINT resets an inherited CMD");
    }

    #[test]
    fn env_label_and_friends() {
        assert!(
            apply(&["LABEL a=b c"]).is_err(),
            "a LABEL word without = is an error"
        );
        let c = apply(&[
            "ENV FOO=bar",
            r#"ENV A="x y" B=z"#,
            "ENV FOO baz qux",
            r#"LABEL a=b "c d"=e"#,
        ])
        .unwrap();
        assert_eq!(c.env, v(&["FOO=baz qux", "A=x y", "B=z"]));
        let labels = c.labels.unwrap();
        assert_eq!(labels["a"], "b");
        assert_eq!(labels["c d"], "e");

        let c = apply(&[
            "WORKDIR /app",
            "WORKDIR sub/../x",
            "USER nobody",
            "EXPOSE 80 53/udp 9000-9001",
            "VOLUME /data /logs",
            "STOPSIGNAL SIGINT",
        ])
        .unwrap();
        assert_eq!(c.working_dir, "/app/x");
        assert_eq!(c.user, "nobody");
        let ports: Vec<_> = c.exposed_ports.unwrap().into_keys().collect();
        assert_eq!(ports, ["53/udp", "80/tcp", "9000/tcp", "9001/tcp"]);
        let vols: Vec<_> = c.volumes.unwrap().into_keys().collect();
        assert_eq!(vols, ["/data", "/logs"]);
        assert_eq!(c.stop_signal.as_deref(), Some("SIGINT"));
        assert_eq!(
            apply(&[r#"VOLUME ["/a b"]"#])
                .unwrap()
                .volumes
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn healthcheck_forms() {
        let c = apply(&["HEALTHCHECK --interval=5s --retries=3 CMD wget -q localhost"]).unwrap();
        let hc = c.healthcheck.unwrap();
        assert_eq!(hc.test, v(&["CMD-SHELL", "wget -q localhost"]));
        assert_eq!(hc.interval, Some(5_000_000_000));
        assert_eq!(hc.retries, Some(3));
        assert_eq!(
            apply(&["HEALTHCHECK NONE"])
                .unwrap()
                .healthcheck
                .unwrap()
                .test,
            v(&["NONE"])
        );
    }

    #[test]
    fn rejects_instructions_docker_rejects() {
        let err = apply(&["RUN echo hi"]).unwrap_err();
        assert_eq!(err.to_string(), "run is not a valid change command");
        assert_eq!(
            errdefs::HasKind::kind(&err),
            errdefs::ErrorKind::InvalidArgument
        );
        assert!(apply(&["FROM scratch"]).is_err());
        assert!(apply(&["EXPOSE nope"]).is_err());
        assert!(apply(&["ENV"]).is_err());
    }
}
