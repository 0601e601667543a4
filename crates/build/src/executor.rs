//! What the builder needs from the engine: base images, the cache, running RUN steps, committing
//! layers and config-only steps, mounting images for `COPY --from`, tagging.

use std::path::Path;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::error::BuildError;

/// The image a step starts from or produced.
#[derive(Clone, Debug)]
pub struct ImageState {
    /// The image id (`sha256:…`); `None` for `scratch` before any layer exists.
    pub id: Option<String>,
    pub config: image::ImageConfig,
}

/// One `RUN` step, ready to execute.
#[derive(Clone, Debug, PartialEq)]
pub struct RunStep {
    /// The argv to run (shell form already wrapped: SHELL + [cmd]).
    pub args: Vec<String>,
    /// The image env plus the ARGs in effect (ARG values are visible to RUN, not stored).
    pub env: Vec<String>,
    pub user: String,
    pub working_dir: String,
    /// dockerd's history text, e.g. "/bin/sh -c echo hi" or "|1 A=b /bin/sh -c echo $A".
    pub created_by: String,
}

/// The engine's side of a build.
#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// FROM <name>: local image, pulled when missing (or always with `pull`).
    async fn base_image(
        &self,
        name: &str,
        pull: bool,
        out: &BuildOutput,
    ) -> Result<ImageState, BuildError>;
    /// dockerd's legacy cache: an image whose parent is `parent` and whose config (incl. the
    /// step's history `created_by`) equals `config`.
    async fn cached(
        &self,
        parent: &ImageState,
        config: &image::ImageConfig,
    ) -> Result<Option<ImageState>, BuildError>;
    /// RUN: a container from `parent` running `step`; its output goes to `out`; a non-zero exit
    /// is [`BuildError::RunFailed`]; its changes become a new image with `config` (history added
    /// by the executor from `step.created_by`); the container is removed.
    async fn run(
        &self,
        parent: &ImageState,
        step: &RunStep,
        config: image::ImageConfig,
        out: &BuildOutput,
    ) -> Result<ImageState, BuildError>;
    /// COPY/ADD and config-only steps: `layer_dir` is a directory whose tree is the new layer's
    /// content (paths relative to /), or `None` for no layer (history entry marked empty_layer).
    async fn commit(
        &self,
        parent: &ImageState,
        layer_dir: Option<&Path>,
        config: image::ImageConfig,
        created_by: &str,
    ) -> Result<ImageState, BuildError>;
    /// Read-only view of an image's root filesystem (unmounted when dropped). Scratch → empty dir.
    async fn mount_image(&self, image: &ImageState) -> Result<Box<dyn MountedImage>, BuildError>;
    async fn tag(&self, image_id: &str, tag: &str) -> Result<(), BuildError>;
}

/// A mounted image root; dropping it unmounts.
pub trait MountedImage: Send + Sync {
    fn root(&self) -> &Path;
}

/// One message of dockerd's JSON build stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildMessage {
    /// `{"stream": text}`
    Stream(String),
    /// `{"aux":{"ID": id}}`
    AuxId(String),
}

/// Where the builder and executor write the build stream.
#[derive(Clone, Debug)]
pub struct BuildOutput {
    tx: UnboundedSender<BuildMessage>,
}

impl BuildOutput {
    pub fn channel() -> (BuildOutput, UnboundedReceiver<BuildMessage>) {
        let (tx, rx) = unbounded_channel();
        (BuildOutput { tx }, rx)
    }

    /// `{"stream": text}`. A closed receiver (client gone) is not the builder's problem.
    pub fn stream(&self, text: impl Into<String>) {
        let _ = self.tx.send(BuildMessage::Stream(text.into()));
    }

    /// `{"aux":{"ID":"sha256:..."}}`
    pub fn aux_id(&self, id: &str) {
        let _ = self.tx.send(BuildMessage::AuxId(id.to_string()));
    }
}
