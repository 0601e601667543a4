//! Finding the program to exec the way Docker (Go's exec.LookPath) does, with Docker's messages.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// PATH used when the process environment has none (Docker's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolves `program` against the `PATH` of `env` (`KEY=value` entries), relative to the
/// current root. A name containing `/` is used as is. The error is the message Docker shows
/// (`exec: "x": executable file not found in $PATH`).
pub fn lookup_executable(program: &str, env: &[String]) -> Result<PathBuf, String> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return match std::fs::metadata(&path) {
            Ok(_) => Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "exec: \"{program}\": stat {program}: no such file or directory"
            )),
            Err(e) => Err(format!("exec: \"{program}\": stat {program}: {e}")),
        };
    }
    let path_var = env
        .iter()
        .rev()
        .find_map(|kv| kv.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path_var.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(program);
        if is_executable_file(&candidate) {
            return Ok(candidate);
        }
    }
    Err(format!(
        "exec: \"{program}\": executable file not found in $PATH"
    ))
}

/// Docker's wording for an execve failure.
pub(crate) fn exec_error_message(program: &str, errno: nix::Error) -> String {
    let what = match errno {
        nix::Error::EACCES => "permission denied".to_owned(),
        nix::Error::ENOENT => "no such file or directory".to_owned(),
        nix::Error::ENOEXEC => "exec format error".to_owned(),
        other => other.desc().to_lowercase(),
    };
    format!("exec: \"{program}\": {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_in_path_and_reports_like_docker() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("tool");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let env = vec![format!("PATH=/nonexistent:{}", dir.path().display())];
        assert_eq!(lookup_executable("tool", &env).unwrap(), exe);
        assert_eq!(
            lookup_executable("plain", &env).unwrap_err(),
            "exec: \"plain\": executable file not found in $PATH"
        );
        assert!(lookup_executable("/no/such", &env)
            .unwrap_err()
            .contains("no such file or directory"));
    }
}
