use std::path::PathBuf;

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cgroup {op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cgroup file {path} holds an unexpected value {value:?}")]
    Parse { path: PathBuf, value: String },
    #[error("no cgroup hierarchy found under {0}")]
    Unsupported(PathBuf),
    #[error("invalid cgroup path {0:?}: it must stay below the cgroup root")]
    InvalidPath(PathBuf),
    #[error("signalling pid {pid}: {source}")]
    Signal {
        pid: i32,
        #[source]
        source: nix::Error,
    },
}

impl HasKind for CgroupError {
    fn kind(&self) -> ErrorKind {
        match self {
            CgroupError::Unsupported(_) => ErrorKind::Unavailable,
            CgroupError::InvalidPath(_) => ErrorKind::InvalidArgument,
            _ => ErrorKind::Internal,
        }
    }
}
