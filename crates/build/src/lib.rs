//! Dockerfile builds (the legacy `/build` builder): the Dockerfile parser, variable expansion,
//! instruction semantics and COPY/ADD staging. The engine supplies an [`Executor`] that runs
//! containers, commits layers and looks up the cache.

mod add_archive;
mod build_args;
mod builder;
mod chown;
mod commands;
mod copy_source;
mod copy_step;
mod dockerfile;
mod error;
mod executor;
mod go_duration;
mod history_text;
mod layer_stage;
mod rooted_path;
pub mod shell_lex;
mod stage_plan;
mod stage_run;

pub use builder::{build, BuildOptions, BuildOutcome};
pub use dockerfile::{parse_dockerfile, Dockerfile, Instruction, Stage};
pub use error::BuildError;
pub use executor::{BuildMessage, BuildOutput, Executor, ImageState, MountedImage, RunStep};

#[cfg(test)]
mod tests;
