use errdefs::{ErrorKind, HasKind};

/// A seccomp profile that cannot be turned into a filter. The container must not start.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("seccomp: {0} is not supported")]
    Unsupported(String),
    #[error("seccomp: invalid profile: {0}")]
    Invalid(String),
    #[error("seccomp: compiling the filter: {0}")]
    Compile(#[from] seccompiler::BackendError),
}

impl HasKind for SeccompError {
    fn kind(&self) -> ErrorKind {
        match self {
            SeccompError::Compile(_) => ErrorKind::Internal,
            _ => ErrorKind::InvalidArgument,
        }
    }
}
