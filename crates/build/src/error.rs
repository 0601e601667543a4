//! The builder's errors, with the kinds the API maps them to.

use errdefs::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A Dockerfile syntax error: "dockerfile parse error line 3: unknown instruction: FORM".
    #[error("{0}")]
    Parse(String),
    /// A well-formed Dockerfile asks for something invalid (bad flag, unknown stage, missing source).
    #[error("{0}")]
    Invalid(String),
    /// The base image does not exist and could not be pulled.
    #[error("{0}")]
    NotFound(String),
    /// A RUN step exited non-zero.
    #[error("The command '{command}' returned a non-zero code: {code}")]
    RunFailed { command: String, code: i64 },
    /// Something berth supports only partly (ADD from a URL, heredocs).
    #[error("{0}")]
    NotSupported(String),
    /// Reading the context or staging a layer failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The executor failed for another reason (its message, its kind).
    #[error("{message}")]
    Executor { kind: ErrorKind, message: String },
}

impl BuildError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> BuildError {
        BuildError::Io {
            context: context.into(),
            source,
        }
    }
}

impl HasKind for BuildError {
    fn kind(&self) -> ErrorKind {
        match self {
            BuildError::Parse(_) | BuildError::Invalid(_) => ErrorKind::InvalidArgument,
            BuildError::NotFound(_) => ErrorKind::NotFound,
            BuildError::RunFailed { .. } => ErrorKind::Internal,
            BuildError::NotSupported(_) => ErrorKind::NotImplemented,
            BuildError::Io { .. } => ErrorKind::Internal,
            BuildError::Executor { kind, .. } => *kind,
        }
    }
}
