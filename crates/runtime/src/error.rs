use errdefs::{ErrorKind, HasKind};

/// Creating the container failed (before the init reported "ready").
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("invalid runtime spec: {0}")]
    InvalidSpec(String),
    #[error(transparent)]
    Cgroup(#[from] cgroups::CgroupError),
    #[error(transparent)]
    Seccomp(#[from] crate::seccomp::SeccompError),
    #[error("{op}: {source}")]
    Sys {
        op: &'static str,
        #[source]
        source: nix::Error,
    },
    #[error(transparent)]
    Fork(#[from] sys::ForkError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The init reported a setup failure; the message is the init's own.
    #[error("{0}")]
    Init(String),
}

impl HasKind for RuntimeError {
    fn kind(&self) -> ErrorKind {
        match self {
            RuntimeError::InvalidSpec(_) => ErrorKind::InvalidArgument,
            RuntimeError::Cgroup(e) => e.kind(),
            RuntimeError::Seccomp(e) => e.kind(),
            _ => ErrorKind::Internal,
        }
    }
}

/// Starting the container failed: the message is what Docker shows, e.g.
/// `exec: "nope": executable file not found in $PATH`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    #[error("container already started")]
    AlreadyStarted,
    #[error("{0}")]
    Exec(String),
    #[error("starting container init: {0}")]
    Io(String),
}

impl HasKind for StartError {
    fn kind(&self) -> ErrorKind {
        match self {
            StartError::AlreadyStarted => ErrorKind::Conflict,
            StartError::Exec(_) => ErrorKind::InvalidArgument,
            StartError::Io(_) => ErrorKind::Internal,
        }
    }
}
