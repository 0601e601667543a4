//! Command line of `berth-shim` (parsed by hand: the shim must start fast and stay small).

use std::path::PathBuf;

pub const USAGE: &str = "usage: berth-shim --id ID --bundle DIR --socket PATH [--stdin] [--stdin-once] [--log-driver json-file|none]";

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
}

impl ShimOptions {
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Self, String> {
        let mut id = None;
        let mut bundle = None;
        let mut socket = None;
        let mut stdin = false;
        let mut stdin_once = false;
        let mut json_log = true;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--id" => id = Some(value("--id")?),
                "--bundle" => bundle = Some(PathBuf::from(value("--bundle")?)),
                "--socket" => socket = Some(PathBuf::from(value("--socket")?)),
                "--stdin" => stdin = true,
                "--stdin-once" => stdin_once = true,
                "--log-driver" => match value("--log-driver")?.as_str() {
                    "json-file" => json_log = true,
                    "none" => json_log = false,
                    other => return Err(format!("unsupported log driver {other:?}")),
                },
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
        })
    }

    pub fn log_path(&self) -> PathBuf {
        self.bundle.join(format!("{}-json.log", self.id))
    }
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
        assert!(ShimOptions::parse(args("--id abc --bundle /b")).is_err());
        assert!(ShimOptions::parse(args("--id a --bundle /b --socket /s --bogus")).is_err());
    }
}
