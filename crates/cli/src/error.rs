//! Errors of CLI commands and the exit codes they map to.

use client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A daemon or connection error, printed as `Error response from daemon: ...`; exit 1.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A local error printed as is; exit 1.
    #[error("{0}")]
    Message(String),
    /// An error with its own exit code; the message (possibly empty, when everything was
    /// already printed) goes to stderr.
    #[error("{message}")]
    Exit { code: i32, message: String },
}

impl CliError {
    pub fn message(message: impl Into<String>) -> CliError {
        CliError::Message(message.into())
    }

    /// Exit with `code` after errors were already reported.
    pub fn silent(code: i32) -> CliError {
        CliError::Exit {
            code,
            message: String::new(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Exit { code, .. } => *code,
            _ => 1,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::Message(e.to_string())
    }
}
