//! Command line of `berth-shim` (lexopt, not clap: the shim must start fast and stay small).

use std::path::PathBuf;

pub const USAGE: &str = "usage: berth-shim --id ID --bundle DIR --socket PATH [--stdin] [--stdin-once] [--log-driver json-file|none] [--log-max-size BYTES] [--log-max-file N]";

/// Docker's usual json-file rotation (`max-size=10m`, `max-file=3`), on by default here.
pub const DEFAULT_LOG_MAX_SIZE: u64 = 10 * 1024 * 1024;
pub const DEFAULT_LOG_MAX_FILE: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShimOptions {
    pub id: String,
    pub bundle: PathBuf,
    pub socket: PathBuf,
    /// The container gets a stdin pipe fed by attach clients (otherwise /dev/null).
    pub stdin: bool,
    /// The first attach client's EOF closes the container's stdin.
    pub stdin_once: bool,
    /// Whether `<bundle>/<id>-json.log` is written (`--log-driver none` turns it off).
    pub json_log: bool,
    /// Rotate the log when it would grow past this many bytes (None: never rotate; `0` on
    /// the command line, or `-1`, means unlimited as in Docker).
    pub log_max_size: Option<u64>,
    /// How many files (the live one included) rotation keeps.
    pub log_max_file: u32,
}

impl ShimOptions {
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Self, String> {
        let mut id = None;
        let mut bundle = None;
        let mut socket = None;
        let mut stdin = false;
        let mut stdin_once = false;
        let mut json_log = true;
        let mut log_max_size = Some(DEFAULT_LOG_MAX_SIZE);
        let mut log_max_file = DEFAULT_LOG_MAX_FILE;
        let mut flags = lexopt::Parser::from_args(args);
        while let Some(arg) = flags.next().map_err(|e| e.to_string())? {
            let flag = flag_name(arg)?;
            match flag.as_str() {
                "--id" => id = Some(flag_value(&mut flags)?),
                "--bundle" => bundle = Some(PathBuf::from(flag_value(&mut flags)?)),
                "--socket" => socket = Some(PathBuf::from(flag_value(&mut flags)?)),
                "--stdin" => stdin = true,
                "--stdin-once" => stdin_once = true,
                "--log-driver" => match flag_value(&mut flags)?.as_str() {
                    "json-file" => json_log = true,
                    "none" => json_log = false,
                    other => return Err(format!("unsupported log driver {other:?}")),
                },
                "--log-max-size" => {
                    let raw = flag_value(&mut flags)?;
                    log_max_size = match raw.parse::<i64>() {
                        Ok(n) if n > 0 => Some(n as u64),
                        Ok(0) | Ok(-1) => None,
                        _ => return Err(format!("invalid --log-max-size {raw:?}")),
                    };
                }
                "--log-max-file" => {
                    let raw = flag_value(&mut flags)?;
                    log_max_file = raw
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or(format!("invalid --log-max-file {raw:?}"))?;
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let id = id.ok_or("--id is required")?;
        if id.is_empty() || id.contains('/') {
            return Err(format!("invalid id {id:?}"));
        }
        Ok(ShimOptions {
            id,
            bundle: bundle.ok_or("--bundle is required")?,
            socket: socket.ok_or("--socket is required")?,
            stdin,
            stdin_once,
            json_log,
            log_max_size,
            log_max_file,
        })
    }

    pub fn log_path(&self) -> PathBuf {
        self.bundle.join(format!("{}-json.log", self.id))
    }
}

/// `--name` of a long flag; the shim takes no short flags or positional arguments.
pub(crate) fn flag_name(arg: lexopt::Arg<'_>) -> Result<String, String> {
    match arg {
        lexopt::Arg::Long(name) => Ok(format!("--{name}")),
        other => Err(format!(
            "unknown argument {:?}",
            other.unexpected().to_string()
        )),
    }
}

/// The value of the flag just read (`--flag value` or `--flag=value`; a leading `-` is allowed).
pub(crate) fn flag_value(flags: &mut lexopt::Parser) -> Result<String, String> {
    flags
        .value()
        .map_err(|e| e.to_string())?
        .into_string()
        .map_err(|raw| format!("invalid value {raw:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_contract_flags() {
        let o = ShimOptions::parse(args(
            "--id abc --bundle /b --socket /s.sock --stdin --stdin-once --log-driver none",
        ))
        .unwrap();
        assert_eq!(o.id, "abc");
        assert!(o.stdin && o.stdin_once && !o.json_log);
        assert_eq!(o.log_path(), PathBuf::from("/b/abc-json.log"));
        assert_eq!(o.log_max_size, Some(DEFAULT_LOG_MAX_SIZE));
        assert_eq!(o.log_max_file, 3);
        let o = ShimOptions::parse(args(
            "--id a --bundle /b --socket /s --log-max-size 1024 --log-max-file=5",
        ))
        .unwrap();
        assert_eq!((o.log_max_size, o.log_max_file), (Some(1024), 5));
        let o =
            ShimOptions::parse(args("--id a --bundle /b --socket /s --log-max-size -1")).unwrap();
        assert_eq!(o.log_max_size, None);
        assert!(
            ShimOptions::parse(args("--id a --bundle /b --socket /s --log-max-file 0")).is_err()
        );
        assert!(
            ShimOptions::parse(args("--id a --bundle /b --socket /s --log-max-size x")).is_err()
        );
        assert!(ShimOptions::parse(args("--id abc --bundle /b")).is_err());
        assert!(ShimOptions::parse(args("--id a --bundle /b --socket /s --bogus")).is_err());
    }
}
