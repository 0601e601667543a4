//! The Dockerfile parser (skeleton).

use crate::error::BuildError;

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dockerfile {
    /// ARG instructions before the first FROM (usable in FROM lines).
    pub meta_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

/// One build stage: a FROM and the instructions after it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stage {
    pub from: Instruction,
    pub instructions: Vec<Instruction>,
}

/// One instruction as written (before variable expansion).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instruction {
    /// 1-based line where the instruction starts.
    pub line: usize,
    /// Upper-case keyword: "FROM", "RUN", …
    pub keyword: String,
    /// `--name=value` flags (`--link` without a value is `("link", None)`).
    pub flags: Vec<(String, Option<String>)>,
    /// The arguments: one element per JSON array item for the exec form, else the rest of the line.
    pub args: Vec<String>,
    /// Whether `args` came from a JSON array.
    pub json: bool,
    /// The instruction text as dockerd prints it in "Step n/m : ...".
    pub original: String,
}

/// Parses Dockerfile text.
pub fn parse_dockerfile(_text: &str) -> Result<Dockerfile, BuildError> {
    Err(BuildError::NotSupported("Dockerfile parsing is not implemented yet".into()))
}
