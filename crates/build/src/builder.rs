//! Runs a parsed Dockerfile through an [`Executor`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::BuildError;
use crate::executor::{BuildOutput, Executor};

/// What `POST /build` asks for.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The Dockerfile text.
    pub dockerfile: String,
    /// The unpacked build context.
    pub context_dir: PathBuf,
    /// A temp dir for staging COPY layers (same filesystem as the data root).
    pub scratch_dir: PathBuf,
    pub tags: Vec<String>,
    /// `--build-arg`: only declared ARGs take effect.
    pub build_args: BTreeMap<String, String>,
    /// `--label`: added to the final image's config.
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
}

/// The result of a successful build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildOutcome {
    /// `sha256:…`
    pub image_id: String,
}

/// Runs the Dockerfile and writes dockerd's legacy progress text to `out`.
pub async fn build(
    opts: BuildOptions,
    _exec: &dyn Executor,
    _out: &BuildOutput,
) -> Result<BuildOutcome, BuildError> {
    crate::dockerfile::parse_dockerfile(&opts.dockerfile)?;
    Err(BuildError::NotSupported("builds are not implemented yet".into()))
}
