//! `POST /build` (the legacy builder, `Builder-Version: 1`): unpack the context, read the
//! Dockerfile, run the `build` crate's builder with the engine's executor, and turn its output
//! into dockerd's JSON stream. As in dockerd, an error before the first message is the answer's
//! status; a later one ends the stream with `errorDetail` (with the exit code for a failed RUN).
//! With `q`, only the final `sha256:…` id is sent; a failed build sends its text, then the error
//! (an error before any text is the answer's status), as dockerd.

use std::collections::BTreeMap;

use api::{ProgressErrorDetail, ProgressMessage};
use build::{BuildError, BuildMessage, BuildOptions, BuildOutput};
use bytes::Bytes;
use errdefs::HasKind;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::build_context::{read_dockerfile, temp_dir, unpack_context};
use crate::build_executor::EngineExecutor;
use crate::engine::Engine;
use crate::progress::ProgressStream;

/// The `POST /build` query, parsed.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// `t` (repeatable).
    pub tags: Vec<String>,
    /// `dockerfile`: a path inside the context (default `Dockerfile`).
    pub dockerfile: String,
    /// `buildargs` (JSON map).
    pub build_args: BTreeMap<String, String>,
    /// `labels` (JSON map).
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    /// `q`: only the final image id.
    pub quiet: bool,
    /// `rm` (default true): remove a RUN step's container after it succeeded.
    pub rm: bool,
    /// `forcerm`: remove it whatever happened.
    pub force_rm: bool,
    /// `networkmode`: the network of RUN steps (empty: the default network).
    pub network_mode: String,
    /// `extrahosts`, `shmsize` and the resource limits of RUN containers.
    pub run_resources: crate::build_run_resources::BuildRunResources,
}

impl Default for BuildRequest {
    fn default() -> Self {
        BuildRequest {
            tags: Vec::new(),
            dockerfile: "Dockerfile".into(),
            build_args: BTreeMap::new(),
            labels: BTreeMap::new(),
            target: None,
            no_cache: false,
            pull: false,
            quiet: false,
            rm: true,
            force_rm: false,
            network_mode: String::new(),
            run_resources: Default::default(),
        }
    }
}

/// Whether the client still reads the build's answer: dockerd cancels a build whose client went
/// away, and so does berth (a `RUN sleep infinity` must not run on forever).
#[derive(Clone)]
pub(crate) struct ClientWatch(mpsc::UnboundedSender<Event>);

impl ClientWatch {
    pub(crate) fn is_gone(&self) -> bool {
        self.0.is_closed()
    }

    /// Completes when the client has gone away.
    pub(crate) async fn gone(&self) {
        self.0.closed().await
    }
}

/// What the build task reports, in order.
pub(crate) enum Event {
    Message(ProgressMessage),
    Failed(errdefs::Error, Option<i64>),
}

fn build_error(e: BuildError) -> (errdefs::Error, Option<i64>) {
    let code = match &e {
        BuildError::RunFailed { code, .. } => Some(*code),
        _ => None,
    };
    (errdefs::Error::new(e.kind(), e.to_string()), code)
}

fn error_message(e: errdefs::Error, code: Option<i64>) -> ProgressMessage {
    ProgressMessage {
        error_detail: Some(ProgressErrorDetail {
            code,
            message: e.message.clone(),
        }),
        error: Some(e.message),
        ..Default::default()
    }
}

fn stream_message(text: String) -> ProgressMessage {
    ProgressMessage {
        stream: Some(text),
        ..Default::default()
    }
}

impl Engine {
    /// Starts a build of the context tar in `body`. Errors before the first message (a bad
    /// archive, no Dockerfile, a parse error, a missing base image) are returned.
    pub async fn build_image<S>(
        &self,
        body: S,
        request: BuildRequest,
    ) -> Result<ProgressStream, errdefs::Error>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let engine = self.clone();
        // Its own task: a client that goes away does not stop the build half-way.
        tokio::spawn(async move {
            let quiet = request.quiet;
            let result = engine.run_build(body, request, &tx).await;
            let _ = tx.send(match result {
                Ok(id) if quiet => Event::Message(stream_message(format!("{id}\n"))),
                Ok(_) => return,
                Err((e, code)) => Event::Failed(e, code),
            });
        });
        let first = match rx.recv().await {
            None => return Ok(Box::pin(futures_util::stream::empty())),
            Some(Event::Failed(e, _)) => return Err(e),
            Some(Event::Message(m)) => m,
        };
        let rest =
            futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(|event| match event {
                Event::Message(m) => m,
                Event::Failed(e, code) => error_message(e, code),
            });
        Ok(Box::pin(
            futures_util::stream::once(async { first }).chain(rest),
        ))
    }

    /// Unpacks, builds and forwards the builder's messages (none with `quiet`). Returns the id.
    async fn run_build<S>(
        &self,
        body: S,
        request: BuildRequest,
        tx: &mpsc::UnboundedSender<Event>,
    ) -> Result<String, (errdefs::Error, Option<i64>)>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    {
        let failed =
            |e: &dyn std::fmt::Display, kind| (errdefs::Error::new(kind, e.to_string()), None);
        let data_root = self.config().data_root.clone();
        let context = temp_dir(&data_root, "context-").map_err(|e| failed(&e, e.kind()))?;
        let scratch = temp_dir(&data_root, "scratch-").map_err(|e| failed(&e, e.kind()))?;
        let context_dir = context.path().to_path_buf();
        let dockerfile_path = request.dockerfile.clone();
        let reader = SyncIoBridge::new(StreamReader::new(body));
        let dockerfile = tokio::task::spawn_blocking(move || {
            unpack_context(reader, &context_dir)?;
            read_dockerfile(&context_dir, &dockerfile_path)
        })
        .await
        .map_err(|e| failed(&e, errdefs::ErrorKind::Internal))?
        .map_err(|e| failed(&e, e.kind()))?;

        let executor = EngineExecutor {
            engine: self.clone(),
            remove_on_success: request.rm || request.force_rm,
            // dockerd keeps a failed step's container unless `forcerm`; berth removes it with
            // `rm` too, so a failed build leaves nothing behind.
            remove_on_failure: request.rm || request.force_rm,
            client: ClientWatch(tx.clone()),
            network_mode: request.network_mode.clone(),
            run_resources: request.run_resources.clone(),
        };
        let options = BuildOptions {
            dockerfile,
            context_dir: context.path().to_path_buf(),
            scratch_dir: scratch.path().to_path_buf(),
            tags: request.tags,
            build_args: request.build_args,
            labels: request.labels,
            target: request.target.filter(|t| !t.is_empty()),
            no_cache: request.no_cache,
            pull: request.pull,
        };
        let (out, mut messages) = BuildOutput::channel();
        let quiet = request.quiet;
        let run = async move {
            let result = build::build(options, &executor, &out).await;
            drop(out);
            result
        };
        // With `q`, the text is kept: dockerd sends it, then the error, when the build fails.
        let forward = async {
            let mut kept = Vec::new();
            while let Some(message) = messages.recv().await {
                let message = match message {
                    BuildMessage::Stream(text) => stream_message(text),
                    BuildMessage::AuxId(_) if quiet => continue,
                    BuildMessage::AuxId(id) => ProgressMessage {
                        aux: Some(serde_json::json!({ "ID": id })),
                        ..Default::default()
                    },
                };
                if quiet {
                    kept.push(message);
                } else {
                    let _ = tx.send(Event::Message(message));
                }
            }
            kept
        };
        let (result, kept) = tokio::join!(run, forward);
        drop((context, scratch));
        if result.is_err() {
            for message in kept {
                let _ = tx.send(Event::Message(message));
            }
        }
        result.map(|outcome| outcome.image_id).map_err(build_error)
    }

    /// `POST /build/prune`: the legacy builder's cache is the images themselves, so there is
    /// nothing else to delete (dockerd 20.10 answers the same for the legacy builder).
    pub async fn prune_build_cache(&self) -> serde_json::Value {
        serde_json::json!({ "CachesDeleted": [], "SpaceReclaimed": 0 })
    }
}

/// Removes unpacked contexts and staging dirs a killed daemon left (called at startup).
pub(crate) fn remove_build_leftovers(data_root: &std::path::Path) {
    let root = crate::build_context::build_root(data_root);
    if root.exists() {
        if let Err(e) = std::fs::remove_dir_all(&root) {
            tracing::warn!("remove build leftovers in {}: {e}", root.display());
        }
    }
}
