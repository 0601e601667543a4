//! Which daemon to talk to: `-H`, then `BERTH_HOST`, then `DOCKER_HOST`, then the default socket.

use std::path::PathBuf;

use crate::ClientError;

pub const DEFAULT_HOST: &str = "unix:///run/berth/berth.sock";

/// A parsed daemon address. Only UNIX sockets exist for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonHost {
    Unix(PathBuf),
}

impl DaemonHost {
    /// Parses `unix:///path` (or a bare absolute path, as docker accepts for `-H`).
    pub fn parse(spec: &str) -> Result<DaemonHost, ClientError> {
        if let Some(path) = spec.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(ClientError::UnsupportedHost(spec.to_string()));
            }
            return Ok(DaemonHost::Unix(PathBuf::from(path)));
        }
        if spec.starts_with('/') {
            return Ok(DaemonHost::Unix(PathBuf::from(spec)));
        }
        Err(ClientError::UnsupportedHost(spec.to_string()))
    }

    /// The address as docker prints it (`unix:///run/berth/berth.sock`).
    pub fn display(&self) -> String {
        match self {
            DaemonHost::Unix(path) => format!("unix://{}", path.display()),
        }
    }
}

/// Picks the daemon address from the flag, then the environment, then the default.
/// Empty values count as unset, as in docker.
pub fn resolve_host(flag: Option<&str>) -> Result<DaemonHost, ClientError> {
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let spec = flag
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .or_else(|| from_env("BERTH_HOST"))
        .or_else(|| from_env("DOCKER_HOST"))
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    DaemonHost::parse(&spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unix_urls_and_paths() {
        assert_eq!(
            DaemonHost::parse("unix:///tmp/x.sock").unwrap(),
            DaemonHost::Unix(PathBuf::from("/tmp/x.sock"))
        );
        assert_eq!(
            DaemonHost::parse("/tmp/y.sock").unwrap(),
            DaemonHost::Unix(PathBuf::from("/tmp/y.sock"))
        );
        assert_eq!(
            DaemonHost::parse("unix:///tmp/x.sock").unwrap().display(),
            "unix:///tmp/x.sock"
        );
    }

    #[test]
    fn rejects_tcp_and_empty() {
        assert!(matches!(
            DaemonHost::parse("tcp://127.0.0.1:2375"),
            Err(ClientError::UnsupportedHost(_))
        ));
        assert!(DaemonHost::parse("unix://").is_err());
    }

    #[test]
    fn flag_wins_over_environment() {
        let host = resolve_host(Some("unix:///flag.sock")).unwrap();
        assert_eq!(host, DaemonHost::Unix(PathBuf::from("/flag.sock")));
    }
}
