//! The narrow interfaces each router needs from the daemon core (moby's router backends).
//! Errors are `errdefs::Error`: a kind and Docker's message; only this crate maps kinds to statuses.

use std::future::Future;
use std::pin::Pin;

use api::{
    ContainerCreateBody, ContainerCreateResponse, ContainerInspect, ContainerSummary, Filters,
    ImageDeleteResponseItem, ImageInspect, ImageSummary, Info, Version, WaitCondition,
    WaitResponse,
};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite};

pub type BackendResult<T> = Result<T, errdefs::Error>;

/// A stream of body bytes (request or response).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A bidirectional byte pipe to a container's stdio (stdcopy frames out, raw stdin in).
pub trait AttachIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AttachIo for T {}

pub use engine::container_archive::{ExtractToDirOptions, PathStat};
pub use engine::{AttachOptions, ImportOptions, ListOptions, LogsOptions};

/// Everything the containers router needs.
pub trait ContainerBackend: Send + Sync + 'static {
    fn create(
        &self,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> impl Future<Output = BackendResult<ContainerCreateResponse>> + Send;
    fn start(&self, name: &str) -> impl Future<Output = BackendResult<()>> + Send;
    /// `timeout` seconds before SIGKILL; `None` = the container's or 10.
    fn stop(
        &self,
        name: &str,
        timeout: Option<i64>,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    fn restart(
        &self,
        name: &str,
        timeout: Option<i64>,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    fn kill(
        &self,
        name: &str,
        signal: Option<String>,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    fn rename(&self, name: &str, new_name: &str) -> impl Future<Output = BackendResult<()>> + Send;
    fn remove(
        &self,
        name: &str,
        force: bool,
        volumes: bool,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    fn inspect(&self, name: &str) -> impl Future<Output = BackendResult<ContainerInspect>> + Send;
    fn list(
        &self,
        opts: ListOptions,
    ) -> impl Future<Output = BackendResult<Vec<ContainerSummary>>> + Send;
    /// Resolves the container now (so a missing one is a 404 before headers are sent) and returns
    /// a future that completes when `condition` is met.
    fn wait(
        &self,
        name: &str,
        condition: WaitCondition,
    ) -> impl Future<Output = BackendResult<BoxFuture<'static, WaitResponse>>> + Send;
    /// Connects to the container's stdio before the 101 is sent, so no output is lost.
    fn attach(
        &self,
        name: &str,
        opts: AttachOptions,
    ) -> impl Future<Output = BackendResult<Box<dyn AttachIo>>> + Send;
    /// stdcopy-framed log entries.
    fn logs(
        &self,
        name: &str,
        opts: LogsOptions,
    ) -> impl Future<Output = BackendResult<ByteStream>> + Send;

    // Interactive and observable containers (issue 3). Defaults answer "not implemented" so
    // that backends written for the spine (test fakes) need not provide them.

    /// `POST /containers/{id}/stop?signal=` (`docker stop -s`); backends without it ignore
    /// the signal.
    fn stop_with_signal(
        &self,
        name: &str,
        timeout: Option<i64>,
        _signal: &str,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        self.stop(name, timeout)
    }
    fn pause(&self, _name: &str) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("pause")) }
    }
    fn unpause(&self, _name: &str) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("unpause")) }
    }
    /// `POST /containers/{id}/resize?h=&w=`.
    fn resize(
        &self,
        _name: &str,
        _height: u32,
        _width: u32,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("resize")) }
    }
    /// `GET /containers/{id}/stats`: one JSON document per line.
    fn stats(
        &self,
        _name: &str,
        _stream: bool,
        _one_shot: bool,
    ) -> impl Future<Output = BackendResult<ByteStream>> + Send {
        async { Err(not_implemented("stats")) }
    }
    fn top(
        &self,
        _name: &str,
        _ps_args: &str,
    ) -> impl Future<Output = BackendResult<TopResponse>> + Send {
        async { Err(not_implemented("top")) }
    }
    fn update(
        &self,
        _name: &str,
        _update: UpdateConfig,
    ) -> impl Future<Output = BackendResult<UpdateResponse>> + Send {
        async { Err(not_implemented("update")) }
    }
    fn changes(&self, _name: &str) -> impl Future<Output = BackendResult<Vec<Change>>> + Send {
        async { Err(not_implemented("changes")) }
    }
    /// A tar of the container's filesystem.
    fn export(&self, _name: &str) -> impl Future<Output = BackendResult<ByteStream>> + Send {
        async { Err(not_implemented("export")) }
    }
    /// `HEAD /containers/{id}/archive`: what `path` is in the container.
    fn stat_path(
        &self,
        _name: &str,
        _path: &str,
    ) -> impl Future<Output = BackendResult<PathStat>> + Send {
        async { Err(not_implemented("archive")) }
    }
    /// `GET /containers/{id}/archive`: the stat of `path` and a tar of it.
    fn archive_path(
        &self,
        _name: &str,
        _path: &str,
    ) -> impl Future<Output = BackendResult<(PathStat, ByteStream)>> + Send {
        async { Err(not_implemented("archive")) }
    }
    /// `PUT /containers/{id}/archive`: extracts the tar `body` into the directory `path`.
    fn extract_to_dir(
        &self,
        _name: &str,
        _path: &str,
        _opts: ExtractToDirOptions,
        _body: ByteStream,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("archive")) }
    }
    fn prune_containers(
        &self,
        _filters: Filters,
    ) -> impl Future<Output = BackendResult<ContainersPruneReport>> + Send {
        async { Err(not_implemented("container prune")) }
    }
    /// `POST /containers/{id}/exec`: the new exec id.
    fn exec_create(
        &self,
        _name: &str,
        _body: api::ExecCreateBody,
    ) -> impl Future<Output = BackendResult<String>> + Send {
        async { Err(not_implemented("exec")) }
    }
    /// `POST /exec/{id}/start`: starts the exec, connected to its stdio unless detached. For an
    /// attached start the router calls it once the 101 has been sent (after `exec_inspect`).
    fn exec_start(
        &self,
        _id: &str,
        _body: api::ExecStartBody,
    ) -> impl Future<Output = BackendResult<ExecStartOutcome>> + Send {
        async { Err(not_implemented("exec")) }
    }
    fn exec_resize(
        &self,
        _id: &str,
        _height: u32,
        _width: u32,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("exec")) }
    }
    fn exec_inspect(
        &self,
        _id: &str,
    ) -> impl Future<Output = BackendResult<api::ExecInspect>> + Send {
        async { Err(not_implemented("exec")) }
    }
    /// `GET /system/df`.
    fn disk_usage(&self) -> impl Future<Output = BackendResult<serde_json::Value>> + Send {
        async { Err(not_implemented("system df")) }
    }
    /// `GET /events`: one JSON message per line.
    fn events(
        &self,
        _opts: EventsOptions,
    ) -> impl Future<Output = BackendResult<ByteStream>> + Send {
        async { Err(not_implemented("events")) }
    }
}

/// What `POST /exec/{id}/start` leads to.
pub enum ExecStartOutcome {
    /// Hijack and bridge to the exec's stdio.
    Attached(Box<dyn AttachIo>),
    /// Hijack, send these bytes (the start error, framed as the stream is), close: dockerd
    /// reports start errors on the stream.
    Failed(Vec<u8>),
    /// `Detach: true`: 200 with an empty body.
    Detached,
}

pub use engine::changes::Change;
pub use engine::container_prune::ContainersPruneReport;
pub use engine::events_api::EventsOptions;
pub use engine::top::TopResponse;
pub use engine::update::{UpdateConfig, UpdateResponse};

/// Everything the images router needs.
pub trait ImageBackend: Send + Sync + 'static {
    fn list_images(
        &self,
        all: bool,
        filters: Filters,
    ) -> impl Future<Output = BackendResult<Vec<ImageSummary>>> + Send;
    fn inspect_image(&self, name: &str)
        -> impl Future<Output = BackendResult<ImageInspect>> + Send;
    fn remove_image(
        &self,
        name: &str,
        force: bool,
        prune: bool,
    ) -> impl Future<Output = BackendResult<Vec<ImageDeleteResponseItem>>> + Send;
    /// Imports a rootfs tarball; returns the new image id (`sha256:...`).
    fn import_image(
        &self,
        body: ByteStream,
        opts: ImportOptions,
    ) -> impl Future<Output = BackendResult<String>> + Send;
    /// `POST /images/create?fromSrc=<url>` (`docker import http://…`): downloads and imports;
    /// errors before the download starts are returned, later ones travel in the stream.
    fn import_image_from_url(
        &self,
        _source: &str,
        _opts: ImportOptions,
    ) -> impl Future<Output = BackendResult<ProgressStream>> + Send {
        async { Err(not_implemented("importing from a URL")) }
    }
    fn tag_image(
        &self,
        name: &str,
        repo: &str,
        tag: &str,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    /// `fromImage`: registry pulls are a later issue; succeeds only when the image is local.
    fn pull_image(
        &self,
        image: &str,
        tag: &str,
    ) -> impl Future<Output = BackendResult<String>> + Send;

    // Registries, archives, commit, history, prune (issue 4). The defaults answer "not
    // implemented" so that backends written for the spine (test fakes) need not provide them.

    /// `POST /images/create?fromImage=`: a JSON progress stream; errors before it are returned.
    fn pull(
        &self,
        _opts: PullOptions,
    ) -> impl Future<Output = BackendResult<ProgressStream>> + Send {
        async { Err(not_implemented("pull")) }
    }
    /// `POST /images/{name}/push?tag=` with the `X-Registry-Auth` header.
    fn push(
        &self,
        _name: &str,
        _tag: &str,
        _registry_auth: &str,
    ) -> impl Future<Output = BackendResult<ProgressStream>> + Send {
        async { Err(not_implemented("push")) }
    }
    /// `POST /auth`.
    fn login(&self, _request: LoginRequest) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("login")) }
    }
    /// `GET /images/get`: a docker-archive tar.
    fn save_images(
        &self,
        _names: Vec<String>,
    ) -> impl Future<Output = BackendResult<ByteStream>> + Send {
        async { Err(not_implemented("save")) }
    }
    /// `POST /images/load`: `Loading layer` progress unless `quiet`, then the `Loaded image: …`
    /// messages.
    fn load_images(
        &self,
        _body: ByteStream,
        _quiet: bool,
    ) -> impl Future<Output = BackendResult<ProgressStream>> + Send {
        async { Err(not_implemented("load")) }
    }
    /// `POST /commit`: the new image id.
    fn commit(
        &self,
        _request: CommitRequest,
    ) -> impl Future<Output = BackendResult<String>> + Send {
        async { Err(not_implemented("commit")) }
    }
    /// `GET /images/{name}/history`.
    fn image_history(
        &self,
        _name: &str,
    ) -> impl Future<Output = BackendResult<Vec<HistoryItem>>> + Send {
        async { Err(not_implemented("history")) }
    }
    /// `POST /images/prune`.
    fn prune_images(
        &self,
        _filters: Filters,
    ) -> impl Future<Output = BackendResult<ImagePruneReport>> + Send {
        async { Err(not_implemented("image prune")) }
    }
    /// `POST /build`: the context tar in `body`; dockerd's JSON stream (errors before it are
    /// returned).
    fn build(
        &self,
        _body: ByteStream,
        _request: BuildRequest,
    ) -> impl Future<Output = BackendResult<ProgressStream>> + Send {
        async { Err(not_implemented("build")) }
    }
    /// `POST /build/prune`: `{"CachesDeleted":[…],"SpaceReclaimed":n}`.
    fn prune_build_cache(&self) -> impl Future<Output = BackendResult<serde_json::Value>> + Send {
        async { Err(not_implemented("build cache prune")) }
    }
}

fn not_implemented(what: &str) -> errdefs::Error {
    errdefs::Error::new(
        errdefs::ErrorKind::NotImplemented,
        format!("{what} is not supported by this backend"),
    )
}

pub use api::ProgressMessage;
pub use engine::build::BuildRequest;
pub use engine::container_commit::CommitRequest;
pub use engine::image_history::HistoryItem;
pub use engine::image_prune::ImagePruneReport;
pub use engine::login::LoginRequest;
pub use engine::progress::ProgressStream;
pub use engine::PullOptions;

/// Everything the system router needs.
pub trait SystemBackend: Send + Sync + 'static {
    fn version(&self) -> impl Future<Output = BackendResult<Version>> + Send;
    fn info(&self) -> impl Future<Output = BackendResult<Info>> + Send;
}

/// Everything the volumes router needs.
pub trait VolumeBackend: Send + Sync + 'static {
    /// A new volume, or the existing one of that name.
    fn create_volume(
        &self,
        opts: api::VolumeCreateOptions,
    ) -> impl Future<Output = BackendResult<api::Volume>> + Send;
    fn inspect_volume(&self, name: &str)
        -> impl Future<Output = BackendResult<api::Volume>> + Send;
    fn list_volumes(
        &self,
        filters: Filters,
    ) -> impl Future<Output = BackendResult<api::VolumeListResponse>> + Send;
    fn remove_volume(
        &self,
        name: &str,
        force: bool,
    ) -> impl Future<Output = BackendResult<()>> + Send;
    fn prune_volumes(
        &self,
        filters: Filters,
    ) -> impl Future<Output = BackendResult<api::VolumePruneReport>> + Send;
}

/// Everything the networks router needs (defaults answer 501, for backends without networks).
pub trait NetworkBackend: Send + Sync + 'static {
    fn create_network(
        &self,
        _req: api::NetworkCreateRequest,
    ) -> impl Future<Output = BackendResult<api::NetworkCreateResponse>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn list_networks(
        &self,
        _filters: Filters,
    ) -> impl Future<Output = BackendResult<Vec<api::NetworkResource>>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn inspect_network(
        &self,
        _id: &str,
    ) -> impl Future<Output = BackendResult<api::NetworkResource>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn remove_network(&self, _id: &str) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn connect_network(
        &self,
        _id: &str,
        _req: api::NetworkConnectRequest,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn disconnect_network(
        &self,
        _id: &str,
        _req: api::NetworkDisconnectRequest,
    ) -> impl Future<Output = BackendResult<()>> + Send {
        async { Err(not_implemented("networks")) }
    }
    fn prune_networks(
        &self,
        _filters: Filters,
    ) -> impl Future<Output = BackendResult<api::NetworkPruneReport>> + Send {
        async { Err(not_implemented("networks")) }
    }
}

/// The whole daemon as the server sees it.
pub trait Backend:
    ContainerBackend + ImageBackend + SystemBackend + VolumeBackend + NetworkBackend
{
}
impl<T: ContainerBackend + ImageBackend + SystemBackend + VolumeBackend + NetworkBackend> Backend
    for T
{
}
