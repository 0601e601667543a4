//! The engine's side of a Dockerfile build ([`build::Executor`]): base images, dockerd's legacy
//! cache (an image whose parent is the step's parent and whose config and step equal the
//! step's), RUN steps as ordinary containers (create, attach, start, wait through the normal
//! paths, then a commit of the overlay upper dir and removal), COPY/ADD layers from a staging
//! dir, detached read-only mounts for `COPY --from`, and tags.

use std::path::{Path, PathBuf};

use api::{ContainerCreateBody, WaitCondition};
use build::{BuildError, BuildOutput, Executor, ImageState, MountedImage, RunStep};
use errdefs::HasKind;
use image::{History, ImageConfig, ImageId};
use tokio::io::AsyncReadExt;

use crate::build::ClientWatch;
use crate::build_mount::DetachedImageRoot;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::options::AttachOptions;
use crate::paths::short_id;

/// Runs build steps on an engine.
pub(crate) struct EngineExecutor {
    pub(crate) engine: Engine,
    /// Remove a RUN step's container after a successful step (`rm`, the default).
    pub(crate) remove_on_success: bool,
    /// Remove it after a failed step too (`forcerm`; berth also does so with `rm`, see below).
    pub(crate) remove_on_failure: bool,
    /// The client reading the build; a RUN step is stopped when it goes away.
    pub(crate) client: ClientWatch,
    /// `HostConfig.NetworkMode` of RUN containers (`--network`; empty: the default network).
    pub(crate) network_mode: String,
    /// `extrahosts`, `shmsize` and resource limits of RUN containers.
    pub(crate) run_resources: crate::build_run_resources::BuildRunResources,
}

fn canceled() -> BuildError {
    internal("the build was canceled: the client went away")
}

fn engine_error(e: EngineError) -> BuildError {
    BuildError::Executor {
        kind: e.kind(),
        message: e.to_string(),
    }
}

fn internal(message: impl Into<String>) -> BuildError {
    BuildError::Executor {
        kind: errdefs::ErrorKind::Internal,
        message: message.into(),
    }
}

fn state_of(image: image::Image) -> ImageState {
    ImageState {
        id: Some(image.id.as_str().to_string()),
        config: image.config,
    }
}

fn parent_id(parent: &ImageState) -> Result<Option<ImageId>, BuildError> {
    parent
        .id
        .as_deref()
        .map(ImageId::parse)
        .transpose()
        .map_err(|e| internal(format!("build step parent: {e}")))
}

/// The Go name of this machine's architecture, for images built `FROM scratch`.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// Whether the builder's `config` already carries the step's own history entry (one more than
/// the parent's).
fn has_step_history(parent: &ImageState, config: &ImageConfig) -> bool {
    config.history.len() > parent.config.history.len()
}

/// The new image's config document: the builder's runtime config on the parent's layers and
/// history, plus this step's history entry (`created_by`), unless the builder wrote it.
fn step_config(
    parent: &ImageState,
    mut config: ImageConfig,
    created_by: &str,
    container: Option<&str>,
) -> ImageConfig {
    let now = crate::human::now_rfc3339();
    config.rootfs = parent.config.rootfs.clone();
    if !has_step_history(parent, &config) {
        config.history = parent.config.history.clone();
        config.history.push(History {
            created_by: created_by.to_string(),
            ..Default::default()
        });
    }
    if let Some(last) = config.history.last_mut() {
        last.created = Some(now.clone());
        if last.created_by.is_empty() {
            last.created_by = created_by.to_string();
        }
    }
    config.created = Some(now);
    if config.architecture.is_empty() {
        config.architecture = if parent.config.architecture.is_empty() {
            go_arch().to_string()
        } else {
            parent.config.architecture.clone()
        };
    }
    if config.os.is_empty() {
        config.os = if parent.config.os.is_empty() {
            "linux".to_string()
        } else {
            parent.config.os.clone()
        };
    }
    config.container = container.map(str::to_string);
    // dockerd stamps each step with its own version and leaves no comment (the base image's,
    // e.g. `Imported from -`, is not inherited).
    config.docker_version = Some(api::version::ENGINE_VERSION.to_string());
    config.comment = String::new();
    config
}

/// The legacy cache's equality: same runtime config and, when the builder gave it, the same
/// step (`created_by` of the new history entry). Times and ids are not compared.
fn same_step(candidate: &ImageConfig, parent: &ImageState, wanted: &ImageConfig) -> bool {
    if candidate.config != wanted.config
        || candidate.history.len() != parent.config.history.len() + 1
    {
        return false;
    }
    if has_step_history(parent, wanted) {
        let created_by = |c: &ImageConfig| c.history.last().map(|h| h.created_by.clone());
        if created_by(candidate) != created_by(wanted) {
            return false;
        }
    }
    match wanted.extra.get("container_config") {
        Some(key) => candidate.extra.get("container_config") == Some(key),
        // Without the step's text or dockerd's `container_config`, two different RUN steps
        // would look alike: never a hit.
        None => has_step_history(parent, wanted),
    }
}

impl EngineExecutor {
    /// The host config of a RUN step's container: the build's network and resources, no logs.
    fn run_host_config(&self) -> api::HostConfig {
        let mut host_config = api::HostConfig {
            network_mode: self.network_mode.clone(),
            log_config: api::LogConfig {
                kind: "none".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        self.run_resources.apply(&mut host_config);
        host_config
    }

    async fn store_step(
        &self,
        parent: &ImageState,
        layer_dir: Option<PathBuf>,
        config: ImageConfig,
    ) -> Result<ImageState, BuildError> {
        let parent = parent_id(parent)?;
        let id = self
            .engine
            .blocking(move |store| {
                let id = store.add_build_step(parent.as_ref(), layer_dir.as_deref(), config)?;
                store.resolve(id.as_str())
            })
            .await
            .map_err(engine_error)?;
        Ok(state_of(id))
    }

    /// Creates, runs and waits for the step's container; its output goes to `out`. Returns the
    /// exit code.
    async fn run_container(&self, id: &str, out: &BuildOutput) -> Result<i64, BuildError> {
        let engine = &self.engine;
        let exited = engine
            .wait_container(id, WaitCondition::NextExit)
            .await
            .map_err(engine_error)?;
        let mut conn = engine
            .attach_container(
                id,
                AttachOptions {
                    stdout: true,
                    stderr: true,
                    stream: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(engine_error)?;
        out.stream(format!(" ---> Running in {}\n", short_id(id)));
        engine.start_container(id).await.map_err(engine_error)?;
        let pump = async {
            let mut demux = api::stdcopy::Demuxer::new();
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                let n = conn
                    .read(&mut buf)
                    .await
                    .map_err(|e| internal(format!("read RUN output: {e}")))?;
                if n == 0 {
                    return Ok(());
                }
                demux.push(&buf[..n]);
                while let Ok(Some(frame)) = demux.next_frame() {
                    out.stream(String::from_utf8_lossy(&frame.payload).into_owned());
                }
            }
        };
        // The caller removes the container (force: it is killed) when this fails.
        tokio::select! {
            pumped = pump => pumped?,
            () = self.client.gone() => return Err(canceled()),
        }
        tokio::select! {
            exited = exited => Ok(exited.status_code),
            () = self.client.gone() => Err(canceled()),
        }
    }
}

#[async_trait::async_trait]
impl Executor for EngineExecutor {
    async fn base_image(
        &self,
        name: &str,
        pull: bool,
        _out: &BuildOutput,
    ) -> Result<ImageState, BuildError> {
        let lookup = name.to_string();
        if !pull {
            match self
                .engine
                .blocking(move |store| store.resolve(&lookup))
                .await
            {
                Ok(image) => return Ok(state_of(image)),
                Err(EngineError::Image(image::ImageError::NotFound(_))) => {}
                Err(e) => return Err(engine_error(e)),
            }
        }
        self.engine
            .pull_and_wait(crate::pull::PullOptions {
                image: name.to_string(),
                ..Default::default()
            })
            .await
            .map_err(|e| match e.kind() {
                errdefs::ErrorKind::NotFound => BuildError::NotFound(e.to_string()),
                kind => BuildError::Executor {
                    kind,
                    message: e.to_string(),
                },
            })?;
        let lookup = name.to_string();
        self.engine
            .blocking(move |store| store.resolve(&lookup))
            .await
            .map(state_of)
            .map_err(engine_error)
    }

    async fn cached(
        &self,
        parent: &ImageState,
        config: &ImageConfig,
    ) -> Result<Option<ImageState>, BuildError> {
        let parent_id = parent_id(parent)?;
        let images = self
            .engine
            .blocking(|store| store.list())
            .await
            .map_err(engine_error)?;
        // `list` is newest first: the latest build of the step wins, as dockerd's lookup does.
        Ok(images
            .into_iter()
            .find(|image| image.parent == parent_id && same_step(&image.config, parent, config))
            .map(state_of))
    }

    async fn run(
        &self,
        parent: &ImageState,
        step: &RunStep,
        config: ImageConfig,
        out: &BuildOutput,
    ) -> Result<ImageState, BuildError> {
        if self.client.is_gone() {
            return Err(canceled());
        }
        let Some(image) = parent.id.clone() else {
            return Err(BuildError::Invalid(format!(
                "cannot run {:?} in an image built from scratch with no layers",
                step.args.join(" ")
            )));
        };
        let body = ContainerCreateBody {
            config: api::Config {
                image,
                cmd: Some(step.args.clone()),
                // The image's ENTRYPOINT never wraps a RUN command.
                entrypoint: Some(Vec::new()),
                env: Some(step.env.clone()),
                user: step.user.clone(),
                working_dir: step.working_dir.clone(),
                attach_stdout: true,
                attach_stderr: true,
                // No probes during a build step.
                healthcheck: Some(serde_json::json!({ "Test": ["NONE"] })),
                ..Default::default()
            },
            host_config: self.run_host_config(),
            ..Default::default()
        };
        let created = self
            .engine
            .create_container(None, body)
            .await
            .map_err(engine_error)?;
        let id = created.id;
        let result = self.run_container(&id, out).await.and_then(|code| {
            if code == 0 {
                Ok(())
            } else {
                Err(BuildError::RunFailed {
                    command: step.args.join(" "),
                    code,
                })
            }
        });
        let committed = match result {
            Ok(()) => {
                let upper = self.engine.paths().container_dir(&id).join("upper");
                let config = step_config(parent, config, &step.created_by, Some(&id));
                self.store_step(parent, Some(upper), config).await
            }
            Err(e) => Err(e),
        };
        let remove = if committed.is_ok() {
            self.remove_on_success
        } else {
            // A canceled step's container is still running: it goes whatever `rm` says.
            self.remove_on_failure || self.client.is_gone()
        };
        if remove {
            self.engine
                .remove_container(&id, true, true)
                .await
                .map_err(engine_error)?;
            if committed.is_ok() {
                out.stream(format!(
                    "Removing intermediate container {}\n",
                    short_id(&id)
                ));
            }
        }
        committed
    }

    async fn commit(
        &self,
        parent: &ImageState,
        layer_dir: Option<&Path>,
        config: ImageConfig,
        created_by: &str,
    ) -> Result<ImageState, BuildError> {
        let config = step_config(parent, config, created_by, None);
        self.store_step(parent, layer_dir.map(Path::to_path_buf), config)
            .await
    }

    async fn mount_image(&self, image: &ImageState) -> Result<Box<dyn MountedImage>, BuildError> {
        let data_root = self.engine.config().data_root.clone();
        let empty = crate::build_context::temp_dir(&data_root, "empty-")
            .map_err(|e| internal(e.to_string()))?;
        let layers = match &image.id {
            None => Vec::new(),
            Some(id) => {
                let id = id.clone();
                self.engine
                    .blocking(move |store| {
                        let image = store.resolve(&id)?;
                        store.layer_dirs(&image)
                    })
                    .await
                    .map_err(engine_error)?
            }
        };
        let mounted = tokio::task::spawn_blocking(move || DetachedImageRoot::mount(&layers, empty))
            .await
            .map_err(|e| internal(format!("mount task: {e}")))?
            .map_err(|e| internal(e.to_string()))?;
        Ok(Box::new(mounted))
    }

    async fn tag(&self, image_id: &str, tag: &str) -> Result<(), BuildError> {
        self.engine
            .tag_image(image_id, tag, "")
            .await
            .map_err(|e| match e.kind() {
                errdefs::ErrorKind::InvalidArgument => BuildError::Invalid(e.to_string()),
                kind => BuildError::Executor {
                    kind,
                    message: e.to_string(),
                },
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent() -> ImageState {
        ImageState {
            id: Some(format!("sha256:{}", "a".repeat(64))),
            config: ImageConfig {
                architecture: "amd64".into(),
                os: "linux".into(),
                history: vec![History {
                    created_by: "base".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        }
    }

    #[test]
    fn step_config_adds_the_history_entry_unless_given() {
        let mut config = parent().config;
        config.config.cmd = Some(vec!["sh".into()]);
        let made = step_config(&parent(), config.clone(), "CMD sh", None);
        assert_eq!(made.history.len(), 2);
        assert_eq!(made.history[1].created_by, "CMD sh");
        assert_eq!(made.architecture, "amd64");

        config.history.push(History {
            created_by: "from builder".into(),
            ..Default::default()
        });
        config.comment = "Imported from -".into();
        let made = step_config(&parent(), config, "ignored", Some("c1"));
        assert_eq!(made.history.len(), 2);
        assert_eq!(made.history[1].created_by, "from builder");
        assert_eq!(made.container.as_deref(), Some("c1"));
        assert_eq!(made.comment, "");
        assert_eq!(
            made.docker_version.as_deref(),
            Some(api::version::ENGINE_VERSION)
        );
    }

    #[test]
    fn cache_matches_same_config_and_step_only() {
        let mut wanted = parent().config;
        wanted.history.push(History {
            created_by: "/bin/sh -c echo a".into(),
            ..Default::default()
        });
        let stored = step_config(&parent(), wanted.clone(), "", Some("c"));
        assert!(same_step(&stored, &parent(), &wanted));

        let mut other_step = wanted.clone();
        other_step.history[1].created_by = "/bin/sh -c echo b".into();
        assert!(!same_step(&stored, &parent(), &other_step));

        let mut other_config = wanted;
        other_config.config.env = Some(vec!["A=b".into()]);
        assert!(!same_step(&stored, &parent(), &other_config));

        // A step the builder did not describe is never taken from the cache.
        assert!(!same_step(&stored, &parent(), &parent().config));
    }
}
