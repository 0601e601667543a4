//! Dockerfile builds (the legacy `/build` builder): the Dockerfile parser, variable expansion,
//! instruction semantics and COPY/ADD staging. The engine supplies an [`Executor`] that runs
//! containers, commits layers and looks up the cache.

mod builder;
mod dockerfile;
mod error;
mod executor;

pub use builder::{build, BuildOptions, BuildOutcome};
pub use dockerfile::{parse_dockerfile, Dockerfile, Instruction, Stage};
pub use error::BuildError;
pub use executor::{BuildMessage, BuildOutput, Executor, ImageState, MountedImage, RunStep};
