//! Command line of `berth-shim exec` (docs/architecture.md, "The exec contract").

use std::path::PathBuf;

use crate::options::{flag_name, flag_value};
use crate::ShimOptions;

pub const EXEC_USAGE: &str = "usage: berth-shim exec --exec-id ID --bundle DIR --container-pid PID --process FILE --socket PATH [--stdin] [--stdin-once]";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    pub exec_id: String,
    /// The container's bundle: its config.json gives the cgroup, rlimits, seccomp, defaults.
    pub bundle: PathBuf,
    /// Host pid of the container's init, whose namespaces and root the exec joins.
    pub container_pid: i32,
    /// An `oci_spec::runtime::Process` written by berthd.
    pub process: PathBuf,
    pub socket: PathBuf,
    pub stdin: bool,
    pub stdin_once: bool,
}

impl ExecOptions {
    /// Parses the arguments after `exec`.
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Self, String> {
        let mut exec_id = None;
        let mut bundle = None;
        let mut container_pid = None;
        let mut process = None;
        let mut socket = None;
        let mut stdin = false;
        let mut stdin_once = false;
        let mut flags = lexopt::Parser::from_args(args);
        while let Some(arg) = flags.next().map_err(|e| e.to_string())? {
            let flag = flag_name(arg)?;
            match flag.as_str() {
                "--exec-id" => exec_id = Some(flag_value(&mut flags)?),
                "--bundle" => bundle = Some(PathBuf::from(flag_value(&mut flags)?)),
                "--container-pid" => {
                    let raw = flag_value(&mut flags)?;
                    let pid = raw
                        .parse::<i32>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or(format!("invalid --container-pid {raw:?}"))?;
                    container_pid = Some(pid);
                }
                "--process" => process = Some(PathBuf::from(flag_value(&mut flags)?)),
                "--socket" => socket = Some(PathBuf::from(flag_value(&mut flags)?)),
                "--stdin" => stdin = true,
                "--stdin-once" => stdin_once = true,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let exec_id = exec_id.ok_or("--exec-id is required")?;
        if exec_id.is_empty() || exec_id.contains('/') {
            return Err(format!("invalid exec id {exec_id:?}"));
        }
        Ok(ExecOptions {
            exec_id,
            bundle: bundle.ok_or("--bundle is required")?,
            container_pid: container_pid.ok_or("--container-pid is required")?,
            process: process.ok_or("--process is required")?,
            socket: socket.ok_or("--socket is required")?,
            stdin,
            stdin_once,
        })
    }

    /// The options the socket server shares with the container shim (no log file).
    pub(crate) fn server_options(&self) -> ShimOptions {
        ShimOptions {
            id: self.exec_id.clone(),
            bundle: self.bundle.clone(),
            socket: self.socket.clone(),
            stdin: self.stdin,
            stdin_once: self.stdin_once,
            json_log: false,
            log_max_size: None,
            log_max_file: 1,
        }
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
        let o = ExecOptions::parse(args(
            "--exec-id e1 --bundle /b --container-pid 42 --process /p.json --socket /s --stdin",
        ))
        .unwrap();
        assert_eq!(o.exec_id, "e1");
        assert_eq!(o.container_pid, 42);
        assert_eq!(o.process, PathBuf::from("/p.json"));
        assert!(o.stdin && !o.stdin_once);
        assert!(ExecOptions::parse(args(
            "--exec-id e1 --bundle /b --container-pid -3 --process /p --socket /s"
        ))
        .is_err());
        assert!(ExecOptions::parse(args("--exec-id e1 --bundle /b")).is_err());
    }
}
